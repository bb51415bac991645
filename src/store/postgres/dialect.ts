import { likeEscape } from '../query/search.js';
import type { Dialect } from '../query/sql.js';

/** The searchable text of a task: the indexed expression of migrations/postgres/0002_search.sql. */
const SEARCH_TEXT = 'task_search_text(uuid, name, args, kwargs, result, exception)';

/**
 * PostgreSQL: `$n` placeholders, ILIKE, and text search through the trigram GIN index.
 * A bare word matches the index expression itself; a field search (`args:"acme"`) lets the
 * index find candidates and rechecks the field, so both stay case-insensitive substring
 * matches. Tracebacks are not indexed (large, and rarely searched): plain ILIKE.
 */
export const POSTGRES: Dialect = {
  placeholder: (n) => `$${n}`,
  ilike: 'ILIKE',
  fullText(column, value, param) {
    if (column === 'traceback') return null;
    const pat = param(`%${likeEscape(value)}%`);
    const indexed = `${SEARCH_TEXT} ILIKE ${pat} ESCAPE '\\'`;
    return column === 'text' ? indexed : `(${indexed} AND ${column} ILIKE ${pat} ESCAPE '\\')`;
  },
};
