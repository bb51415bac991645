-- Indexed search (store/postgres/dialect.ts): the searchable text of each task (uuid, name,
-- args, kwargs, result, exception) in its own table with a trigram GIN index. ILIKE '%term%'
-- on it uses the index, so search stays a case-insensitive substring match. Fields are joined
-- with U+0001, which no search term contains, so a match never spans two fields.
--
-- A separate table, not an index on tasks: a task row is updated by nearly every event
-- (state, times), and each such update would re-insert every trigram of the text into the GIN
-- index. The write path (store/postgres/write.ts) refreshes this row only for tasks whose
-- batch carried text, and only when the text actually changed.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION task_search_text(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT)
RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce($1, '') || chr(1) || coalesce($2, '') || chr(1) || coalesce($3, '') || chr(1)
  || coalesce($4, '') || chr(1) || coalesce($5, '') || chr(1) || coalesce($6, '') $$;

CREATE TABLE task_search (
  uuid TEXT NOT NULL PRIMARY KEY,
  text TEXT NOT NULL
);
CREATE INDEX task_search_trgm ON task_search USING gin (text gin_trgm_ops);
