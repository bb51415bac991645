import type { Dialect } from '../query/sql.js';

/** Which FTS5 table (migrations/sqlite/0002_fts.sql) indexes a searched column. */
const FTS_TABLE: Record<string, string> = {
  args: 'tasks_fts_call', kwargs: 'tasks_fts_call', result: 'tasks_fts_outcome', exception: 'tasks_fts_outcome',
};

/**
 * SQLite: `?` placeholders, LIKE (ASCII case-insensitive), and text search through the FTS5
 * trigram indexes. A trigram phrase query matches exactly the rows containing the term as a
 * substring, case-insensitively, the same as LIKE '%term%'. Terms shorter than three
 * characters have no trigram: they fall back to LIKE (a scan). Tracebacks are not indexed.
 */
export const SQLITE: Dialect = {
  placeholder: () => '?',
  ilike: 'LIKE',
  rowKey: 'rowid',
  fullText(column, value, param) {
    if ([...value].length < 3) return null;
    const phrase = `"${value.replace(/"/g, '""')}"`;
    const match = (table: string, q: string) => `tasks.rowid IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ${param(q)})`;
    if (column === 'text') return `(${match('tasks_fts_call', phrase)} OR ${match('tasks_fts_outcome', phrase)})`;
    const table = FTS_TABLE[column];
    return table ? match(table, `${column} : ${phrase}`) : null;
  },
};
