import { likeEscape, WORD_COLUMNS, type SearchClause } from '../query/search.js';
import { idPrefixCondition, type Dialect } from '../query/sql.js';

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
 * What a search clause's full-text match set turned out to be (store.ts reads it first, up to
 * a cap): the matching rowids when there are few, or 'dense' when there are many. `verify`:
 * the rowids are candidates found through a part of the term (see pickSubstring), to be
 * checked against the whole term with LIKE.
 */
export type MatchHint = number[] | 'dense' | { candidates: number[]; verify: true };

/** Above every character a task id can continue with: `uuid < prefix || MAX_CHAR` ends a prefix range. */
const MAX_CHAR = '\u{10FFFF}';

/**
 * "The task id starts with one of these": one range of the uuid index (the primary key) per
 * prefix. SQLite compares text bytewise (BINARY), so the range holds exactly the ids that
 * start with the prefix (short of an id continuing with U+10FFFF itself).
 */
export function idPrefixRanges(prefixes: string[], param: (v: unknown) => string): string {
  return `(${prefixes.map((x) => `(uuid >= ${param(x)} AND uuid < ${param(x + MAX_CHAR)})`).join(' OR ')})`;
}

/** The trigrams of a term, as FTS5's trigram tokenizer cuts it (by character). */
export function trigrams(value: string): string[] {
  const chars = [...value];
  const out: string[] = [];
  for (let i = 0; i + 3 <= chars.length; i++) out.push(chars.slice(i, i + 3).join(''));
  return out;
}

/**
 * The part of a search term to ask FTS5 for, when asking for the whole term would be slow: a
 * phrase costs FTS5 the doclists of all its trigrams, and a trigram found in nearly every row
 * ("acm" of "acme-4242" when every task's kwargs name a customer "acme-…") makes it a scan of
 * the index (0.3–2 s at 10 M tasks) even when the phrase matches a few rows. Given how often
 * each trigram occurred in a sample of recent rows, returns the longest run of consecutive
 * trigrams that are all below `common` (ties: the rarer), or null when that is the whole term
 * or there is no such run.
 */
export function pickSubstring(value: string, counts: Map<string, number>, common: number): string | null {
  const tri = trigrams(value);
  let best: { start: number; end: number; sum: number } | null = null;
  for (let i = 0; i < tri.length; ) {
    if ((counts.get(tri[i]!) ?? 0) >= common) {
      i++;
      continue;
    }
    let j = i;
    let sum = 0;
    while (j < tri.length && (counts.get(tri[j]!) ?? 0) < common) sum += counts.get(tri[j++]!) ?? 0;
    const len = j - i;
    if (!best || len > best.end - best.start || (len === best.end - best.start && sum < best.sum)) best = { start: i, end: j, sum };
    i = j;
  }
  if (!best || (best.start === 0 && best.end === tri.length)) return null;
  return [...value].slice(best.start, best.end + 2).join('');
}
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
 * trigram indexes (name, args, kwargs | result, exception; a bare word's id prefix through
 * the uuid index). A trigram phrase query matches exactly the rows containing the term as a
 * substring, case-insensitively, the same as LIKE '%term%'. Terms shorter than three
 * characters have no trigram: they fall back to LIKE (a scan). Tracebacks are not indexed.
 *
 * With hints (see sqliteDialect), a clause whose match set is known to be small is given as
 * its list of rowids (read once, sorted with the page), and one whose match set is large falls
 * back to LIKE on the row: the page then walks the sort's index and stops after 50 hits, which
 * come early when matches are dense, instead of reading and sorting every match.
 */
export function sqliteDialect(hints?: Map<string, MatchHint>, unindexed?: ReadonlySet<string>, walk?: ReadonlySet<string>): Dialect {
  const dialect: Dialect = {
    placeholder: () => '?',
    ilike: 'LIKE',
    rowKey: 'rowid',
    idPrefix: idPrefixRanges,
    unindexed,
    // a list read first and sorted: sort keys, then read the page's rows
    lateRows: [...(hints ?? [])].some(([key, hint]) => hint !== 'dense' && !walk?.has(key)),
    fullText(column, value, param) {
      const matches = ftsMatches(column, value);
      if (!matches) return null;
      const key = hintKey(column, value);
      const hint = hints?.get(key);
      if (hint === 'dense') return null;
      // `+rowid`: checked on each row of the sort's walk rather than read first (store.ts).
      const rowid = walk?.has(key) ? '+tasks.rowid' : 'tasks.rowid';
      // For a bare word the hint's rowids include the tasks whose id starts with it (store.ts).
      if (Array.isArray(hint)) return `${rowid} IN (SELECT value FROM json_each(${param(JSON.stringify(hint))}))`;
      if (hint) {
        // placeholders are positional: take the parameters in the order they appear
        const list = `${rowid} IN (SELECT value FROM json_each(${param(JSON.stringify(hint.candidates))}))`;
        const pat = `%${likeEscape(value)}%`;
        const like = (cols: readonly string[]) => cols.map((c) => `${c} LIKE ${param(pat)} ESCAPE '\\'`).join(' OR ');
        const check = column === 'text' ? `${idPrefixCondition(value, dialect, param)} OR ${like(WORD_COLUMNS)}` : like([column]);
        return `(${list} AND (${check}))`;
      }
      const one = ({ table, query }: { table: string; query: string }) => `tasks.rowid IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ${param(query)})`;
      // The id is not in the full-text index (0110): a bare word matches it by prefix.
      // (Built in placeholder order: `?` parameters are positional.)
      const conds = column === 'text' ? [idPrefixCondition(value, dialect, param)] : [];
      for (const m of matches) conds.push(one(m));
      return conds.length === 1 ? conds[0]! : `(${conds.join(' OR ')})`;
    },
  };
  return dialect;
}

export const SQLITE: Dialect = sqliteDialect();
