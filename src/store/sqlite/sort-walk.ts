import type { MergeKey, MergeWalk, SortWalk } from '../query/sql.js';
import type { MergedPage } from './merge-walk.js';
import type { PageRows } from './newest-first.js';

/** The first walk reads this many times the page's rows of the sort's index. */
const FIRST_FACTOR = 8;
/**
 * The longest walk (index entries, each a row read to check the filters): past it the usual
 * query (the filter's index, then a sort of every match) is the cheaper way.
 */
export const SORT_WALK_MAX = 32_768;

/** How a walk is read beyond `build` and `read` (see sortWalkPage). */
export interface WalkOptions {
  /** The longest walk before the usual query (default SORT_WALK_MAX). */
  max?: number;
  /**
   * Reads a merged walk's round (SQLite's runtime sort, merge-walk.ts mergedPage): its keys,
   * then the page statement (`sql`, `params`) over them.
   */
  merge?: (m: MergeWalk, sql: string, params: unknown[]) => Promise<MergedPage>;
  /**
   * Whether the usual query reads the filter's matches through an index. When it would scan
   * the whole table instead (a filter no index serves: a glob, a LIKE walk, a negation) and no
   * index gives the sort's order either (a merged walk), the walk goes on past `max`: it stops at
   * the page's last row, a full scan and sort would read every task.
   */
  usualIsIndexed?: () => Promise<boolean>;
}

/**
 * The page of a filtered query sorted by runtime, received, started or finished, read by
 * walking the sort's index (sql.ts buildSortWalk) for a bounded number of entries: a filter
 * that most tasks pass fills the page within a few hundred entries, a rarer one within
 * `limit / share` entries. Each round that comes back short reads twice as many entries as its
 * share of matches suggests the page needs (at least twice as many as before; eight times as
 * many after a round without any), up to SORT_WALK_MAX; a merged walk goes on from its last key
 * instead (mergedWalkPage). A short round that had fewer entries to
 * walk than it asked for (the end of the listing) is final too: `complete` says so, and the
 * caller appends the NULL block. Null when it does not apply or the longest walk did not fill
 * the page: the caller then runs the usual query.
 */
export async function sortWalkPage(
  want: number,
  build: (walkRows: number, after?: MergeKey | null) => SortWalk | null,
  read: (sql: string, params: unknown[]) => Promise<PageRows>,
  opts: WalkOptions = {},
): Promise<{ rows: PageRows; complete: boolean } | null> {
  const max = opts.max ?? SORT_WALK_MAX;
  let walkRows = Math.min(max, FIRST_FACTOR * want);
  for (let round = 0; ; round++) {
    let stmt = build(walkRows);
    if (!stmt) return null;
    if (round === 0 && stmt.pageOnly && walkRows > want) {
      // without a filter the first walk reads just the page
      walkRows = want;
      stmt = build(walkRows)!;
    }
    if (stmt.merge) return mergedWalkPage(want, build, opts, stmt, walkRows);
    const rows = await read(stmt.sql, stmt.params);
    if (rows.length >= want) return { rows, complete: false };
    // the end of the listing: fewer entries than the walk asked for
    const reach = Number((await read(stmt.reach!.sql, stmt.reach!.params))[0]?.n);
    if (reach < walkRows) return { rows, complete: true };
    if (walkRows >= max) return null;
    // twice what the share of matches so far needs for the page (each entry walked is a row
    // read); none yet says little (the newest end of received/started holds unfinished tasks
    // that a state filter skips): eight times as many
    walkRows = Math.min(max, rows.length === 0 ? FIRST_FACTOR * walkRows : Math.max(2 * walkRows, Math.ceil((2 * want * walkRows) / rows.length)));
  }
}

/**
 * A merged walk (sortWalkPage's, `first` its first round): each round is one request (the
 * keys, then the page over them) and goes on after the last key of the one before, keeping its
 * rows, instead of walking again from the start: it reads twice as many entries as the share of
 * matches so far says the rest of the page needs (eight times as many as walked after rounds
 * without any). Past `max` entries in all it stops for the usual query, unless that would scan
 * the whole table (WalkOptions.usualIsIndexed).
 */
async function mergedWalkPage(
  want: number,
  build: (walkRows: number, after?: MergeKey | null) => SortWalk | null,
  opts: WalkOptions,
  first: SortWalk,
  firstRows: number,
): Promise<{ rows: PageRows; complete: boolean } | null> {
  let max = opts.max ?? SORT_WALK_MAX;
  const rows: PageRows = [];
  const listed = new Set<unknown>();
  let walked = 0;
  let stmt = first;
  let walkRows = firstRows;
  for (;;) {
    const round = await opts.merge!(stmt.merge!, stmt.sql, stmt.params);
    walked += round.reach;
    for (const r of round.rows) {
      // a task whose runtime changed between two rounds (a retry that finished) can be walked
      // in both, under its old and its new runtime: listed once
      if (r.uuid !== undefined) {
        if (listed.has(r.uuid)) continue;
        listed.add(r.uuid);
      }
      rows.push(r);
    }
    if (rows.length >= want) return { rows, complete: false };
    // the end of the listing: fewer entries than the round asked for
    if (round.reach < walkRows || round.last === null) return { rows, complete: true };
    if (walked >= max) {
      if (!opts.usualIsIndexed || (await opts.usualIsIndexed())) return null;
      max = Number.MAX_SAFE_INTEGER;
    }
    const need = rows.length === 0 ? (FIRST_FACTOR - 1) * walked : Math.ceil((2 * (want - rows.length) * walked) / rows.length);
    walkRows = Math.min(max - walked, Math.max(walkRows, need));
    stmt = build(walkRows, round.last)!;
  }
}

/** Whether a query plan (EXPLAIN QUERY PLAN's details) reads the whole tasks table or one of its indexes whole. */
export function scansTasks(details: string[]): boolean {
  return details.some((d) => /^SCAN tasks( |$)/.test(d));
}
