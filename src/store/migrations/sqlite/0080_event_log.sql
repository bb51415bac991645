-- The event log (store/sqlite/event-log.ts, docs/PERFORMANCE.md): one row per task per write
-- batch, holding the events that batch brought as a JSON array of the texts they arrived in.
-- task_events stored a row and an index entry per event (two B-tree inserts, the event's
-- fields serialised again); a task's four or so events now cost one row. The key is the
-- task's id and the row's number within the task, packed into the rowid
-- (task_id * 2^20 + seq): one B-tree, a task's rows side by side, new tasks appended at its
-- end (task ids are given in arrival order). Rows of 1-2 KB fit a table page; a WITHOUT
-- ROWID table would have spilled most of them to overflow pages. The writer deduplicates by
-- event identity before it writes, so storing an event twice stays impossible.
-- task_events keeps what older versions stored; the timeline reads both.
CREATE TABLE task_event_log (
  key INTEGER PRIMARY KEY,
  events TEXT NOT NULL
);
