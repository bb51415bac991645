import type { SearchClause } from '../query/search.js';
import type { Dialect } from '../query/sql.js';

type TextColumn = 'text' | 'args' | 'kwargs' | 'result' | 'exception' | 'traceback';

/** Which FTS5 table (migrations/sqlite/0002_fts.sql) indexes a searched column. */
const FTS_TABLE: Record<string, string> = {
  args: 'tasks_fts_call', kwargs: 'tasks_fts_call', result: 'tasks_fts_outcome', exception: 'tasks_fts_outcome',
};

/** The FTS5 match expressions of a text search, one per table to ask, or null when it has none. */
export function ftsMatches(column: TextColumn, value: string): { table: string; query: string }[] | null {
  if ([...value].length < 3) return null;
  const phrase = `"${value.replace(/"/g, '""')}"`;
  if (column === 'text') return [{ table: 'tasks_fts_call', query: phrase }, { table: 'tasks_fts_outcome', query: phrase }];
  const table = FTS_TABLE[column];
  return table ? [{ table, query: `${column} : ${phrase}` }] : null;
}

/**
 * What a search clause's full-text match set turned out to be (store.ts counts it first, up to
 * a cap): the matching rowids when there are few, or 'dense' when there are many.
 */
export type MatchHint = number[] | 'dense';
export const hintKey = (column: string, value: string) => `${column}\u0000${value}`;

/** The text-search clauses the FTS5 indexes can answer (positive, three characters or more). */
export function ftsClauses(search: SearchClause[] | undefined): { column: TextColumn; value: string }[] {
  const out: { column: TextColumn; value: string }[] = [];
  for (const c of search ?? []) {
    if (c.op !== 'contains' || c.negate) continue;
    const column = c.field as TextColumn;
    if (ftsMatches(column, c.values[0]!)) out.push({ column, value: c.values[0]! });
  }
  return out;
}

/**
 * SQLite: `?` placeholders, LIKE (ASCII case-insensitive), and text search through the FTS5
 * trigram indexes. A trigram phrase query matches exactly the rows containing the term as a
 * substring, case-insensitively, the same as LIKE '%term%'. Terms shorter than three
 * characters have no trigram: they fall back to LIKE (a scan). Tracebacks are not indexed.
 *
 * With hints (see sqliteDialect), a clause whose match set is known to be small is given as
 * its list of rowids (read once, sorted with the page), and one whose match set is large falls
 * back to LIKE on the row: the page then walks the sort's index and stops after 50 hits, which
 * come early when matches are dense, instead of reading and sorting every match.
 */
export function sqliteDialect(hints?: Map<string, MatchHint>): Dialect {
  return {
    placeholder: () => '?',
    ilike: 'LIKE',
    rowKey: 'rowid',
    fullText(column, value, param) {
      const matches = ftsMatches(column, value);
      if (!matches) return null;
      const hint = hints?.get(hintKey(column, value));
      if (hint === 'dense') return null;
      if (hint) return `tasks.rowid IN (SELECT value FROM json_each(${param(JSON.stringify(hint))}))`;
      const one = ({ table, query }: { table: string; query: string }) => `tasks.rowid IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ${param(query)})`;
      return matches.length === 1 ? one(matches[0]!) : `(${matches.map(one).join(' OR ')})`;
    },
  };
}

export const SQLITE: Dialect = sqliteDialect();
