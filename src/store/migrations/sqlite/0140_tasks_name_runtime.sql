-- "The slowest tasks of one type" (name=… sort=-runtime): runtime depends mostly on the task
-- type, so walking tasks_runtime and checking the name (store/sqlite/sort-walk.ts) passes the
-- other types' slower tasks first (2.6 M of them for billing.charge in the bench's 10 M store),
-- and reading the name's matches and sorting them took 2.3-2.6 s. With this index the page is an
-- index range, tie-broken by rowid like tasks_runtime. Only finished tasks have a runtime, so
-- a task enters it once, when it finishes. Write cost: docs/PERFORMANCE.md (fifth session).
-- Built at the first start after the upgrade (tens of seconds at 10 M tasks).
CREATE INDEX tasks_name_runtime ON tasks (name, runtime) WHERE runtime IS NOT NULL;
