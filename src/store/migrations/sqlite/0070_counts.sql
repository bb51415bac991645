-- Exact counts for /api/v1/stats without counting (docs/PERFORMANCE.md: count(*) over tasks
-- and task_events took seconds at 10 M tasks). Tasks per state are kept by triggers, so every
-- path that adds, changes or deletes a task keeps them right; a task's state changes a few
-- times in its life, and only those updates fire. Stored task events are counted by the
-- writer, once per batch (store/sqlite/writer.ts), and retention subtracts what it deletes
-- (store/sqlite/retention.ts): a trigger per event would cost on the hot path.
CREATE TABLE task_counts (state TEXT NOT NULL PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO task_counts (state, n) SELECT state, count(*) FROM tasks GROUP BY state;

CREATE TABLE event_count (one INTEGER NOT NULL PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL);
INSERT INTO event_count (one, n) SELECT 1, count(*) FROM task_events;

-- One UPSERT per trigger (a state seen for the first time gets its row).
CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO task_counts (state, n) VALUES (new.state, 1) ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tasks_count_update AFTER UPDATE OF state ON tasks WHEN old.state IS NOT new.state BEGIN
  INSERT INTO task_counts (state, n) VALUES (new.state, 1) ON CONFLICT (state) DO UPDATE SET n = n + 1;
  UPDATE task_counts SET n = n - 1 WHERE state = old.state;
END;

CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
  UPDATE task_counts SET n = n - 1 WHERE state = old.state;
END;
