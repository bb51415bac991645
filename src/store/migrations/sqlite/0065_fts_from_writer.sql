-- The writer now keeps the full-text indexes itself (store/sqlite/fts.ts): it reads each
-- task's searched text before its upsert, gets the new text back from the upsert (RETURNING)
-- and writes the differences to the FTS5 tables with a few set-based statements per batch.
-- The trigger notes of 0050 made every upsert a multi-table statement, which costs a
-- statement journal (a copy of every page it changes); plain upserts need none.
DROP TRIGGER tasks_fts_insert;
DROP TRIGGER tasks_fts_call_update;
DROP TRIGGER tasks_fts_outcome_update;
DROP TRIGGER tasks_fts_delete;
DROP TABLE fts_call_pending;
DROP TABLE fts_outcome_pending;
