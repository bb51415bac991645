-- The writer keeps the full-text indexes itself (store/sqlite/fts.ts): it reads each task's
-- searched text before its upsert, gets the new text back from the upsert (RETURNING) and
-- writes the differences to the FTS5 tables with a few set-based statements per batch.
-- FTS5 flushes its pending terms into a new segment at every statement savepoint, so the
-- triggers of 0002 made one tiny segment per task plus the merges of all of them (about half
-- of the writer's CPU), and made every upsert a multi-table statement with a statement journal.
DROP TRIGGER tasks_fts_insert;
DROP TRIGGER tasks_fts_call_update;
DROP TRIGGER tasks_fts_outcome_update;
DROP TRIGGER tasks_fts_delete;
