-- sort=timestamp (the default order of Flower's /api/tasks) read the whole table and sorted it
-- (15 s timeout at 10 M tasks). With this index the first page is an index walk, tie-broken by
-- rowid like the other one-column sorts (store/query/sql.ts). Cost on the write path: the
-- column changes with each state change of a task, but its new value is always near "now", so
-- the entries moved are at the index's hot end: +2.8 % of SQLite's instructions in the writer
-- micro-benchmark (callgrind, 40,000 events: 1,423 -> 1,463 M, about 1,000 instructions per
-- event), within the noise of CPU time (docs/PERFORMANCE.md, Branch query2). Built at the first
-- start after the upgrade (seconds at 1 M tasks, tens of seconds at 10 M).
CREATE INDEX tasks_timestamp ON tasks (timestamp);
