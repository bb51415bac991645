import { idPrefixes, likeEscape } from '../query/search.js';
import type { Dialect } from '../query/sql.js';

/**
 * PostgreSQL: `$n` placeholders, ILIKE, and text search through the trigram GIN index of
 * task_search (migrations/postgres/0002_search.sql). A bare word matches the indexed text
 * after the uuid, or the uuid by prefix;
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
    if (column === 'text') {
      // The indexed text starts with the uuid (task_search_text), which a bare word matches by
      // prefix only (search.ts): the index finds candidates, the recheck takes the id's prefix
      // or the text after it (the fields after the uuid and its U+0001 separator).
      const ids = idPrefixes(value).map((x) => `substr(s.uuid, 1, ${[...x].length}) = ${param(x)}`);
      return `uuid IN (SELECT s.uuid FROM task_search s WHERE s.text ILIKE ${pat} ESCAPE '\\' AND (${ids.join(' OR ')} OR substr(s.text, length(s.uuid) + 2) ILIKE ${pat} ESCAPE '\\'))`;
    }
    const indexed = `uuid IN (SELECT s.uuid FROM task_search s WHERE s.text ILIKE ${pat} ESCAPE '\\')`;
    return `(${indexed} AND ${column} ILIKE ${pat} ESCAPE '\\')`;
  },
};
