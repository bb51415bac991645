-- One index per stored event instead of two (docs/PERFORMANCE.md): the identity key that
-- deduplicates events now starts with the task's id, so it also serves "the events of a task"
-- (which task_events_task did). Task ids are given in arrival order, so new keys land at the
-- end of the index like before. (task_id, ...) identifies an event exactly as (uuid, ...) did:
-- a task's id and its uuid go together (store/sqlite/writer.ts).
DROP INDEX task_events_identity;
DROP INDEX task_events_task;
CREATE UNIQUE INDEX task_events_key ON task_events (task_id, timestamp, type, hostname, clock);
