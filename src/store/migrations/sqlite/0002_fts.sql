-- Indexed search (store/sqlite/dialect.ts): FTS5 indexes with the trigram tokenizer over the
-- searchable text of tasks, so `args:"acme"` and bare words stay case-insensitive substring
-- matches (like LIKE '%acme%') but use an index. External content: the text lives only in
-- tasks; the indexes hold trigrams.
--
-- Two indexes, because the text of a task arrives in two steps: what it was called with
-- (uuid, name, args, kwargs: task-sent/received) and how it ended (result, exception). Each is
-- indexed once when it first appears; a task's row is updated by every event, but the triggers
-- re-index only when a searched column really changed, and only that half.
CREATE VIRTUAL TABLE tasks_fts_call USING fts5(
  uuid, name, args, kwargs, content = 'tasks', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE VIRTUAL TABLE tasks_fts_outcome USING fts5(
  result, exception, content = 'tasks', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO tasks_fts_call (tasks_fts_call) VALUES ('rebuild');
INSERT INTO tasks_fts_outcome (tasks_fts_outcome) VALUES ('rebuild');

CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO tasks_fts_call (rowid, uuid, name, args, kwargs) VALUES (new.rowid, new.uuid, new.name, new.args, new.kwargs);
  INSERT INTO tasks_fts_outcome (rowid, result, exception) VALUES (new.rowid, new.result, new.exception);
END;

CREATE TRIGGER tasks_fts_call_update AFTER UPDATE OF name, args, kwargs ON tasks
WHEN old.name IS NOT new.name OR old.args IS NOT new.args OR old.kwargs IS NOT new.kwargs
BEGIN
  INSERT INTO tasks_fts_call (tasks_fts_call, rowid, uuid, name, args, kwargs)
  VALUES ('delete', old.rowid, old.uuid, old.name, old.args, old.kwargs);
  INSERT INTO tasks_fts_call (rowid, uuid, name, args, kwargs) VALUES (new.rowid, new.uuid, new.name, new.args, new.kwargs);
END;

CREATE TRIGGER tasks_fts_outcome_update AFTER UPDATE OF result, exception ON tasks
WHEN old.result IS NOT new.result OR old.exception IS NOT new.exception
BEGIN
  INSERT INTO tasks_fts_outcome (tasks_fts_outcome, rowid, result, exception) VALUES ('delete', old.rowid, old.result, old.exception);
  INSERT INTO tasks_fts_outcome (rowid, result, exception) VALUES (new.rowid, new.result, new.exception);
END;

CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
  INSERT INTO tasks_fts_call (tasks_fts_call, rowid, uuid, name, args, kwargs)
  VALUES ('delete', old.rowid, old.uuid, old.name, old.args, old.kwargs);
  INSERT INTO tasks_fts_outcome (tasks_fts_outcome, rowid, result, exception) VALUES ('delete', old.rowid, old.result, old.exception);
END;

-- The runtime and retries filters of the task list (store/query/sql.ts).
CREATE INDEX tasks_runtime ON tasks (runtime) WHERE runtime IS NOT NULL;
CREATE INDEX tasks_retries ON tasks (retries) WHERE retries > 0;
