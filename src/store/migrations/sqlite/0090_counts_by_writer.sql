-- Tasks per state are counted by the writer (store/sqlite/writer.ts) and retention, once per
-- batch, from each task's state before and after its write, instead of by the triggers of
-- 0070. A trigger makes every task insert a statement with a statement journal: each page the
-- insert touches (the table and a dozen index leaves) was copied first, which cost more than
-- the insert itself (docs/PERFORMANCE.md: 37.6 vs 86.8 us of CPU per new task).
DROP TRIGGER tasks_count_insert;
DROP TRIGGER tasks_count_update;
DROP TRIGGER tasks_count_delete;
