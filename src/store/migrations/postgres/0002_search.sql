-- Indexed search (store/postgres/dialect.ts): one trigram GIN index over the searchable text
-- of a task. ILIKE '%term%' on the same expression uses it, so search stays a
-- case-insensitive substring match. Fields are joined with U+0001, which no search term
-- contains, so a match never spans two fields. Field searches (args:"x") use the index to
-- find candidates and recheck the one column.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION task_search_text(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT)
RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce($1, '') || chr(1) || coalesce($2, '') || chr(1) || coalesce($3, '') || chr(1)
  || coalesce($4, '') || chr(1) || coalesce($5, '') || chr(1) || coalesce($6, '') $$;

CREATE INDEX tasks_search_trgm ON tasks USING gin (task_search_text(uuid, name, args, kwargs, result, exception) gin_trgm_ops);
