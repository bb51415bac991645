import type { Dialect } from '../query/sql.js';

/** FTS5 column filter names (migrations/sqlite/0002_fts.sql). */
const FTS_COLUMNS = new Set(['args', 'kwargs', 'result', 'exception']);

/**
 * SQLite: `?` placeholders, LIKE (ASCII case-insensitive), and text search through the FTS5
 * trigram index. A trigram phrase query matches exactly the rows containing the term as a
 * substring, case-insensitively, the same as LIKE '%term%'. Terms shorter than three
 * characters have no trigram: they fall back to LIKE (a scan). Tracebacks are not indexed.
 */
export const SQLITE: Dialect = {
  placeholder: () => '?',
  ilike: 'LIKE',
  fullText(column, value, param) {
    if ([...value].length < 3) return null;
    if (column !== 'text' && !FTS_COLUMNS.has(column)) return null;
    const phrase = `"${value.replace(/"/g, '""')}"`;
    const match = column === 'text' ? phrase : `${column} : ${phrase}`;
    return `tasks.rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ${param(match)})`;
  },
};
