-- FTS5 merges its segments less eagerly (docs/PERFORMANCE.md). Every write batch adds a segment
-- to each trigram index, and with automerge 4 (the default) every posting is rewritten once per
-- level of a 4-way merge tree: merging was the largest single cost of the SQLite writer thread
-- (13.6 % of it at 20,000 events/s). 16-way merges rewrite each posting half as often, for up to
-- 15 segments per level for a search to read instead of 3 (a few more index probes per term;
-- see the query figures). crisismerge must stay above automerge.
INSERT INTO tasks_fts_call (tasks_fts_call, rank) VALUES ('automerge', 16);
INSERT INTO tasks_fts_call (tasks_fts_call, rank) VALUES ('crisismerge', 64);
INSERT INTO tasks_fts_outcome (tasks_fts_outcome, rank) VALUES ('automerge', 16);
INSERT INTO tasks_fts_outcome (tasks_fts_outcome, rank) VALUES ('crisismerge', 64);
