-- Full-text indexing once per write batch instead of once per task (docs/PERFORMANCE.md).
-- FTS5 flushes its pending terms into a new segment at every statement savepoint, so triggers
-- that wrote to the FTS tables from each task upsert made one tiny segment per task plus the
-- merges of all of them: about half of the writer's CPU. The triggers now only note which rows
-- changed, and what the index holds for them, in plain tables; the writer applies those notes
-- to the FTS tables with four statements at the end of each transaction (store/sqlite/fts.ts).
--
-- A note row says "the index holds these values for this rowid" (had = 1, the old values) or
-- "the index holds nothing for it yet" (had = 0). Only the first note of a transaction counts:
-- it is what the index still holds. (Written as NOT EXISTS, not INSERT OR IGNORE: a trigger run
-- by an upsert's DO UPDATE takes the upsert's ABORT, which overrides the trigger's IGNORE.)
DROP TRIGGER tasks_fts_insert;
DROP TRIGGER tasks_fts_call_update;
DROP TRIGGER tasks_fts_outcome_update;
DROP TRIGGER tasks_fts_delete;

CREATE TABLE fts_call_pending (
  rowid INTEGER PRIMARY KEY, had INTEGER NOT NULL, uuid TEXT, name TEXT, args TEXT, kwargs TEXT
);
CREATE TABLE fts_outcome_pending (
  rowid INTEGER PRIMARY KEY, had INTEGER NOT NULL, result TEXT, exception TEXT
);

CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO fts_call_pending (rowid, had) SELECT new.rowid, 0
  WHERE NOT EXISTS (SELECT 1 FROM fts_call_pending WHERE rowid = new.rowid);
  INSERT INTO fts_outcome_pending (rowid, had) SELECT new.rowid, 0
  WHERE NOT EXISTS (SELECT 1 FROM fts_outcome_pending WHERE rowid = new.rowid);
END;

CREATE TRIGGER tasks_fts_call_update AFTER UPDATE OF name, args, kwargs ON tasks
WHEN old.name IS NOT new.name OR old.args IS NOT new.args OR old.kwargs IS NOT new.kwargs
BEGIN
  INSERT INTO fts_call_pending (rowid, had, uuid, name, args, kwargs)
  SELECT old.rowid, 1, old.uuid, old.name, old.args, old.kwargs
  WHERE NOT EXISTS (SELECT 1 FROM fts_call_pending WHERE rowid = old.rowid);
END;

CREATE TRIGGER tasks_fts_outcome_update AFTER UPDATE OF result, exception ON tasks
WHEN old.result IS NOT new.result OR old.exception IS NOT new.exception
BEGIN
  INSERT INTO fts_outcome_pending (rowid, had, result, exception) SELECT old.rowid, 1, old.result, old.exception
  WHERE NOT EXISTS (SELECT 1 FROM fts_outcome_pending WHERE rowid = old.rowid);
END;

CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
  INSERT INTO fts_call_pending (rowid, had, uuid, name, args, kwargs)
  SELECT old.rowid, 1, old.uuid, old.name, old.args, old.kwargs
  WHERE NOT EXISTS (SELECT 1 FROM fts_call_pending WHERE rowid = old.rowid);
  INSERT INTO fts_outcome_pending (rowid, had, result, exception) SELECT old.rowid, 1, old.result, old.exception
  WHERE NOT EXISTS (SELECT 1 FROM fts_outcome_pending WHERE rowid = old.rowid);
END;
