import { likeEscape } from '../query/search.js';
import type { Dialect } from '../query/sql.js';

/**
 * PostgreSQL: `$n` placeholders, ILIKE, and text search through the trigram GIN index of
 * task_search (migrations/postgres/0002_search.sql). A bare word matches the indexed text;
 * a field search (`args:"acme"`) lets the index find candidates and rechecks the field, so
 * both stay case-insensitive substring matches. Tracebacks are not indexed (large, rarely
 * searched): plain ILIKE.
 */
export const POSTGRES: Dialect = {
  placeholder: (n) => `$${n}`,
  ilike: 'ILIKE',
  fullText(column, value, param) {
    if (column === 'traceback') return null;
    const pat = param(`%${likeEscape(value)}%`);
    const indexed = `uuid IN (SELECT s.uuid FROM task_search s WHERE s.text ILIKE ${pat} ESCAPE '\\')`;
    return column === 'text' ? indexed : `(${indexed} AND ${column} ILIKE ${pat} ESCAPE '\\')`;
  },
};
