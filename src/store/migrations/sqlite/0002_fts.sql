-- Indexed search (store/sqlite/dialect.ts): an FTS5 index with the trigram tokenizer over the
-- searchable text of tasks, so `args:"acme"` and bare words stay case-insensitive substring
-- matches (like LIKE '%acme%') but use the index. External content: the text lives only in
-- tasks; the index holds trigrams.
CREATE VIRTUAL TABLE tasks_fts USING fts5(
  uuid, name, args, kwargs, result, exception,
  content = 'tasks', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');

CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO tasks_fts (rowid, uuid, name, args, kwargs, result, exception)
  VALUES (new.rowid, new.uuid, new.name, new.args, new.kwargs, new.result, new.exception);
END;

-- Most upserts change only state and times: re-index only when a searched column changed.
CREATE TRIGGER tasks_fts_update AFTER UPDATE OF name, args, kwargs, result, exception ON tasks
WHEN old.name IS NOT new.name OR old.args IS NOT new.args OR old.kwargs IS NOT new.kwargs
  OR old.result IS NOT new.result OR old.exception IS NOT new.exception
BEGIN
  INSERT INTO tasks_fts (tasks_fts, rowid, uuid, name, args, kwargs, result, exception)
  VALUES ('delete', old.rowid, old.uuid, old.name, old.args, old.kwargs, old.result, old.exception);
  INSERT INTO tasks_fts (rowid, uuid, name, args, kwargs, result, exception)
  VALUES (new.rowid, new.uuid, new.name, new.args, new.kwargs, new.result, new.exception);
END;

CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
  INSERT INTO tasks_fts (tasks_fts, rowid, uuid, name, args, kwargs, result, exception)
  VALUES ('delete', old.rowid, old.uuid, old.name, old.args, old.kwargs, old.result, old.exception);
END;

-- The runtime and retries filters of the task list (store/query/sql.ts).
CREATE INDEX tasks_runtime ON tasks (runtime) WHERE runtime IS NOT NULL;
CREATE INDEX tasks_retries ON tasks (retries) WHERE retries > 0;
