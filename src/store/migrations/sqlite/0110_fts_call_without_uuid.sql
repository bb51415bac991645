-- The call index without the task id. A uuid's 34 random trigrams were about a third of all
-- postings, so a third of the full-text write cost, for a column nobody searches by substring:
-- a bare word now matches the id by prefix through the primary key (store/query/search.ts,
-- store/sqlite/dialect.ts). The writer keeps the index (store/sqlite/fts.ts); 'rebuild' reads
-- every task once (docs/PERFORMANCE.md: how long at 1 M and 10 M tasks). A larger pending-term
-- buffer during the rebuild makes fewer, larger segments (fewer merges); back to FTS5's
-- default (1 MB) afterwards for the writer's small batches.
DROP TABLE tasks_fts_call;
CREATE VIRTUAL TABLE tasks_fts_call USING fts5(
  name, args, kwargs, content = 'tasks', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO tasks_fts_call (tasks_fts_call, rank) VALUES ('hashsize', 67108864);
INSERT INTO tasks_fts_call (tasks_fts_call) VALUES ('rebuild');
INSERT INTO tasks_fts_call (tasks_fts_call, rank) VALUES ('hashsize', 1048576);
