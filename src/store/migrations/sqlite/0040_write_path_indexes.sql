-- Cheaper writes (see docs/PERFORMANCE.md). Indexes keyed by a random uuid cost one dirty page
-- per new task on every commit; these keep the event indexes near-sequential instead:
-- * task_events' identity (dedup) key starts with the timestamp, so new events append;
-- * an event finds its task by tasks.id, a number given in arrival order (not the rowid,
--   which VACUUM may renumber); look a task's events up by task_id, never by uuid;
-- * root_id is indexed only for tasks that are not their own root (query the root itself by
--   uuid: see store/query/sql.ts).
ALTER TABLE tasks ADD COLUMN id INTEGER;
UPDATE tasks SET id = rowid;
ALTER TABLE task_events ADD COLUMN task_id INTEGER;
UPDATE task_events SET task_id = (SELECT id FROM tasks WHERE tasks.uuid = task_events.uuid);
DROP INDEX task_events_identity;
CREATE UNIQUE INDEX task_events_identity ON task_events (timestamp, uuid, type, hostname, clock);
CREATE INDEX task_events_task ON task_events (task_id, timestamp);
DROP INDEX tasks_root;
CREATE INDEX tasks_root ON tasks (root_id) WHERE root_id IS NOT NULL AND root_id <> uuid;
