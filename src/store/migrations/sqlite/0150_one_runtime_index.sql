-- One index of runtime instead of two (docs/PERFORMANCE.md, seventh session). Each finished task
-- put an entry at a random place of both tasks_runtime (runtime) and tasks_name_runtime
-- (name, runtime): a page dirtied per index per finished task on every commit, about 15 % of
-- the write path each (writer-micro, 3 M events: 41,000-42,700 events/s with both, 46,500-50,000
-- without tasks_runtime). A runtime sort without one exact name now walks each name's range of
-- tasks_name_runtime and merges them (store/sqlite/merge-walk.ts): about as many entries read as
-- the single index gave, plus one seek per task name.
DROP INDEX IF EXISTS tasks_runtime;
