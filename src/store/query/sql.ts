import { AppError } from '../../shared/errors.js';
import type { SortField, TaskQuery, TimeRange } from '../types.js';
import { globToLike, hasWildcard, idPrefixes, likeEscape, WORD_COLUMNS, type SearchClause } from './search.js';

/**
 * Builds the SQL of a task-list query for either store. Both dialects share this so that a
 * filter means the same everywhere; they differ only in placeholders and case-insensitive LIKE.
 */
export interface Dialect {
  placeholder(n: number): string;
  /** Case-insensitive LIKE operator. */
  ilike: string;
  /**
   * The last tie-break of every sort: a unique key of the row that each index of tasks ends
   * in. SQLite: `rowid` (appended to every index entry); PostgreSQL: `uuid` (default).
   */
  rowKey?: string;
  /**
   * Optional: an indexed full-text condition for a text search (FTS5 / tsvector), or null to
   * fall back to substring matching.
   */
  fullText?(column: 'text' | 'args' | 'kwargs' | 'result' | 'exception' | 'traceback', value: string, param: (v: unknown) => string): string | null;
  /**
   * Optional: the condition "the task id starts with one of `prefixes`" in a form the uuid
   * index serves (SQLite: ranges). Default: `substr(uuid, 1, n) = ?` per prefix.
   */
  idPrefix?(prefixes: string[], param: (v: unknown) => string): string;
  /**
   * Optional: columns whose range conditions must not choose the index (SQLite: written
   * `+col`), because the store found the range too large to read and sort (see SqliteStore).
   */
  unindexed?: ReadonlySet<string>;
  /**
   * Optional: the page's rows are sorted by key only and read whole afterwards (SQLite, when a
   * search hands it a list of rowids to fetch and sort: sorting 2,000 whole rows costs twice
   * as much as sorting their keys and reading the 50 that make the page).
   */
  lateRows?: boolean;
  /**
   * Optional: the store has no index of runtime alone, only of (name, runtime) (SQLite, 0150):
   * the task names that have tasks with a runtime (null: tasks without a name). A runtime sort
   * then walks each name's range of that index and merges them (buildSortWalk).
   */
  runtimeNames?: (string | null)[];
}

/** A bare word's id condition (search.ts idPrefixes), as the dialect writes it. */
export function idPrefixCondition(word: string, d: Dialect, p: (v: unknown) => string): string {
  const prefixes = idPrefixes(word);
  if (d.idPrefix) return d.idPrefix(prefixes, p);
  return `(${prefixes.map((x) => `substr(uuid, 1, ${[...x].length}) = ${p(x)}`).join(' OR ')})`;
}

const SORT_COLUMNS: Record<SortField, string> = {
  seen_at: 'seen_at', timestamp: 'timestamp', received: 'received', started: 'started',
  finished: 'finished', name: 'name', state: 'state', runtime: 'runtime',
};

/** Sort columns that are never NULL (the others are sorted with their NULLs last). */
const NOT_NULL = new Set(['seen_at', 'timestamp', 'state']);


/**
 * What breaks ties after the sort column: the columns the index of that sort already carries,
 * so the index serves the whole ORDER BY and a first page reads 50 index entries instead of
 * sorting every row. `(seen_at, uuid)` is indexed as such; `(name, seen_at)` and
 * `(state, seen_at)` end in seen_at; the one-column indexes (runtime, received, started,
 * finished) carry only the row key, which SQLite appends to every index entry (the rowid).
 */
function tieColumns(col: string, d: Dialect): string[] {
  const key = d.rowKey ?? 'uuid';
  if (col === 'seen_at') return ['uuid'];
  if (col === 'name' || col === 'state') return ['seen_at', key];
  return [key];
}

/**
 * A cursor is the last row's sort key: the sort column's value (NULL inside the NULL block)
 * followed by its tie-break values, as base64url JSON. Opaque to clients; only valid for the
 * sort (and store) that gave it out.
 */
export function encodeCursor(...key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, length = 2): (string | number | null)[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) && v.length === length &&
      v.every((x, i) => (x === null && i === 0) || typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)))
    ) {
      return v as (string | number | null)[];
    }
  } catch {
    // fall through
  }
  throw new AppError('INVALID_CURSOR', 'cursor is not one this server gave out');
}

export interface BuiltQuery {
  /**
   * The statements of the page, in order: run each (it has its own LIMIT) and append its rows
   * until the page is full. A nullable sort is two statements, the non-NULL rows and then the
   * NULL ones, so that each can be read in index order; the second runs only if the first
   * came back short.
   */
  parts: { sql: string; params: unknown[] }[];
  /** The first statement (the only one unless the sort column is nullable). */
  sql: string;
  params: unknown[];
  /** The cursor that continues after this row (a row of any part). */
  cursorOf(row: Record<string, unknown>): string;
}

/** The column under which a row's key comes back when it is not a real column (SQLite's rowid). */
const ROW_KEY_ALIAS = 'row_key';

export function buildTaskQuery(q: TaskQuery, d: Dialect, columns = '*'): BuiltQuery {
  const sort = q.sort ?? { field: 'seen_at', desc: true };
  const col = SORT_COLUMNS[sort.field];
  const dir = sort.desc ? 'DESC' : 'ASC';
  const cmp = sort.desc ? '<' : '>';
  const ties = tieColumns(col, d);
  const rowKeyAliased = d.rowKey !== undefined && d.rowKey !== 'uuid';
  const select = rowKeyAliased ? `${columns}, ${d.rowKey} AS ${ROW_KEY_ALIAS}` : columns;
  const outName = (c: string) => (rowKeyAliased && c === d.rowKey ? ROW_KEY_ALIAS : c);
  const nullable = !NOT_NULL.has(col);
  const cursor = q.cursor ? decodeCursor(q.cursor, ties.length + 1) : null;
  const cursorOf = (row: Record<string, unknown>) => encodeCursor(row[col] ?? null, ...ties.map((t) => row[outName(t)]));
  const order = (cols: string[]) => orderBy(cols, dir);
  const where = (conds: string[]) => (conds.length ? ` WHERE ${conds.join(' AND ')}` : '');
  const states = q.states ? [...new Set(q.states)] : [];

  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return d.placeholder(params.length);
  };
  /** A page statement: `SELECT … FROM tasks <tail>`, or with lateRows its keys first. */
  const page = (tail: string) =>
    d.lateRows && d.rowKey ? `SELECT ${select} FROM tasks WHERE ${d.rowKey} IN (SELECT ${d.rowKey} FROM tasks${tail}) ${tail.slice(tail.lastIndexOf(' ORDER BY ')).replace(/ LIMIT \S+$/, '')}` : `SELECT ${select} FROM tasks${tail}`;
  const after = (cols: string[], values: unknown[]) => rowAfter(cols, values, cmp, p);
  const done = (parts: { sql: string; params: unknown[] }[]): BuiltQuery => ({ parts, sql: parts[0]!.sql, params: parts[0]!.params, cursorOf });

  if (!nullable && states.length > 1 && col === 'seen_at' && !q.offset) {
    // Several states sorted by time: one index range per state (state, seen_at), each cut to
    // the page, then merged. A plain IN list makes SQLite sort every matching row first.
    const orderBy = `ORDER BY ${order([col, ...ties])}`;
    const parts = states.map((st) => {
      const conds = conditions({ ...q, states: [st] }, d, p);
      if (cursor) conds.push(after([col, ...ties], cursor));
      return `SELECT * FROM (SELECT ${select} FROM tasks${where(conds)} ${orderBy} LIMIT ${p(q.limit)})`;
    });
    return done([{ sql: `${parts.join(' UNION ALL ')} ${orderBy} LIMIT ${p(q.limit)}`, params }]);
  }
  if (!nullable) {
    const conds = conditions(q, d, p);
    if (cursor) conds.push(after([col, ...ties], cursor));
    let sql: string;
    if (q.offset) sql = `SELECT ${select} FROM tasks${where(conds)} ORDER BY ${order([col, ...ties])} LIMIT ${p(q.limit)} OFFSET ${p(q.offset)}`;
    else sql = page(`${where(conds)} ORDER BY ${order([col, ...ties])} LIMIT ${p(q.limit)}`);
    return done([{ sql, params }]);
  }
  if (q.offset) {
    // Flower-compatible paging by offset: one statement, NULLs last in both directions.
    const conds = conditions(q, d, p);
    if (cursor) conds.push(cursor[0] === null ? `(${col} IS NULL AND ${after(ties, cursor.slice(1))})` : `(${col} IS NULL OR ${after([col, ...ties], cursor)})`);
    const sql = `SELECT ${select} FROM tasks${where(conds)} ORDER BY ${col} IS NULL, ${order([col, ...ties])} LIMIT ${p(q.limit)} OFFSET ${p(q.offset)}`;
    return done([{ sql, params }]);
  }
  // Nullable sort: the rows with a value (a range of the column's index; a partial index such
  // as `(runtime) WHERE runtime IS NOT NULL` serves it too), then the NULL block.
  const parts: { sql: string; params: unknown[] }[] = [];
  if (!cursor || cursor[0] !== null) {
    params.length = 0;
    const conds = [...conditions(q, d, p), `${col} IS NOT NULL`];
    if (cursor) conds.push(after([col, ...ties], cursor));
    parts.push({ sql: page(`${where(conds)} ORDER BY ${order([col, ...ties])} LIMIT ${p(q.limit)}`), params: [...params] });
  }
  params.length = 0;
  const conds = [...conditions(q, d, p), `${col} IS NULL`];
  if (cursor && cursor[0] === null) conds.push(after(ties, cursor.slice(1)));
  parts.push({ sql: page(`${where(conds)} ORDER BY ${order(ties)} LIMIT ${p(q.limit)}`), params: [...params] });
  return done(parts);
}

const orderBy = (cols: string[], dir: string) => cols.map((c) => `${c} ${dir}`).join(', ');
const tuple = (cols: string[]) => (cols.length === 1 ? cols[0]! : `(${cols.join(', ')})`);
/** `(a, b, c) < (x, y, z)` (`cmp` the sort's direction): one index range in both databases. */
const rowAfter = (cols: string[], values: unknown[], cmp: '<' | '>', p: (v: unknown) => string) => `${tuple(cols)} ${cmp} ${tuple(values.map((v) => p(v)))}`;

/** The WHERE terms of a task query (filters and search clauses). */
function conditions(q: TaskQuery, d: Dialect, p: (v: unknown) => string): string[] {
  const conds: string[] = [];
  const inList = (c: string, values: string[] | undefined, globbable: boolean) => {
    if (!values || values.length === 0) return;
    conds.push(matchAny(c, values, globbable, p, d));
  };
  inList('state', q.states, false);
  inList('name', q.names, true);
  inList('worker', q.workers, true);
  inList('queue', q.queues, true);
  inList('exception_type', q.exceptionTypes, false);
  const col = (c: string) => (d.unindexed?.has(c) ? `+${c}` : c);
  range(col('received'), q.received, conds, p);
  range(col('started'), q.started, conds, p);
  range(col('finished'), q.finished, conds, p);
  range('seen_at', q.seen, conds, p);
  if (q.rootId) conds.push(rootMatch([q.rootId], p));
  if (q.parentId) conds.push(`parent_id = ${p(q.parentId)}`);
  if (q.runtime?.min !== undefined) conds.push(`runtime >= ${p(q.runtime.min)}`);
  if (q.runtime?.max !== undefined) conds.push(`runtime <= ${p(q.runtime.max)}`);
  if (q.retriesMin !== undefined) conds.push(`retries >= ${p(q.retriesMin)}`);
  for (const c of q.search ?? []) conds.push(searchCondition(c, p, d));
  return conds;
}

function range(col: string, r: TimeRange | undefined, conds: string[], p: (v: unknown) => string) {
  if (!r) return;
  if (r.from !== undefined) conds.push(`${col} >= ${p(r.from)}`);
  if (r.to !== undefined) conds.push(`${col} <= ${p(r.to)}`);
}

function matchAny(col: string, values: string[], globbable: boolean, p: (v: unknown) => string, d: Dialect): string {
  const exact = values.filter((v) => !(globbable && hasWildcard(v)));
  const globs = values.filter((v) => globbable && hasWildcard(v));
  const parts: string[] = [];
  if (exact.length === 1) parts.push(`${col} = ${p(exact[0])}`);
  else if (exact.length > 1) parts.push(`${col} IN (${exact.map((v) => p(v)).join(', ')})`);
  for (const g of globs) parts.push(`${col} ${d.ilike} ${p(globToLike(g))} ESCAPE '\\'`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

/**
 * `root_id IN (values)`, written so that an index of only the non-root tasks serves it: a task
 * whose root is itself is found by its uuid (the SQLite store indexes root_id only where
 * root_id <> uuid, which keeps that index off the write path of ordinary tasks).
 */
function rootMatch(values: string[], p: (v: unknown) => string): string {
  const list = (vs: string[]) => (vs.length === 1 ? `= ${p(vs[0])}` : `IN (${vs.map((v) => p(v)).join(', ')})`);
  return `((uuid ${list(values)} AND root_id = uuid) OR (root_id ${list(values)} AND root_id <> uuid))`;
}

const CLAUSE_COLUMN: Record<string, string> = {
  state: 'state', name: 'name', worker: 'worker', queue: 'queue', uuid: 'uuid', root: 'root_id',
  parent: 'parent_id', exception_type: 'exception_type', args: 'args', kwargs: 'kwargs',
  result: 'result', exception: 'exception', traceback: 'traceback', runtime: 'runtime', retries: 'retries',
};

/** The SQL of the search language's comparisons (`runtime:>5`). */
const COMPARE_OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=' } as const;

function searchCondition(c: SearchClause, p: (v: unknown) => string, d: Dialect): string {
  let cond: string;
  if (c.op === 'in' && c.field === 'root') {
    cond = rootMatch(c.values, p);
  } else if (c.op === 'in') {
    cond = matchAny(CLAUSE_COLUMN[c.field]!, c.values, c.field === 'name' || c.field === 'worker' || c.field === 'queue', p, d);
  } else if (c.op === 'contains') {
    const v = c.values[0]!;
    const fts = d.fullText?.(c.field as 'text', v, p) ?? null;
    if (fts) cond = fts;
    else if (c.field === 'text') {
      // One parameter per use: SQLite's `?` placeholders are positional.
      const pat = `%${likeEscape(v)}%`;
      cond = `(${idPrefixCondition(v, d, p)} OR ${WORD_COLUMNS.map((col) => `${col} ${d.ilike} ${p(pat)} ESCAPE '\\'`).join(' OR ')})`;
    } else cond = `${CLAUSE_COLUMN[c.field]} ${d.ilike} ${p(`%${likeEscape(v)}%`)} ESCAPE '\\'`;
  } else {
    const op = COMPARE_OPS[c.op as keyof typeof COMPARE_OPS];
    cond = `${CLAUSE_COLUMN[c.field]} ${op} ${p(Number(c.values[0]))}`;
  }
  // NULL never matches a condition, so a negated one must let NULLs through explicitly.
  return c.negate ? `NOT COALESCE(${cond}, FALSE)` : cond;
}

/** Sorts by a nullable column with a one-column index (SQLite: tasks_received, …; runtime: the names' merge). */
const WALKABLE_SORTS = new Set(['runtime', 'received', 'started', 'finished']);

/**
 * The first `walkRows` entries of the sort's own index, in sort order, filtered and cut to the
 * page: `(SELECT rowid … ORDER BY runtime DESC LIMIT walkRows) CROSS JOIN tasks` (CROSS JOIN
 * fixes the loop order in SQLite). With a filter (`name = ?`), SQLite otherwise reads every
 * match through the filter's index and sorts them all (1.6–2.9 s for a common name with a
 * runtime sort at 10 M). A page of `limit` rows from this statement is exact: every row the
 * walk did not reach comes after all those it read; so are fewer rows when `reach` (how many
 * entries the walk had) counts fewer than `walkRows`: the walk then read every remaining row
 * with a value, and the NULL block follows. Otherwise the caller reads more entries or runs the
 * usual query. Null when it does not apply: another sort, offset paging, a cursor in the NULL
 * block, a dialect without a row key, no condition (the usual query then walks the index
 * itself; a runtime sort with `runtimeNames` has no such index and always walks, merging the
 * names' ranges: mergedRuntimeWalk), or a condition that already narrows the rows to read — a
 * root, parent or task id, a search read first as a list of rowids (`lateRows`), or one task
 * name with a runtime sort (an index of its own serves that). `after` (a merged walk's last
 * entry: runtime, key) starts the walk after it instead of at the cursor (sort-walk.ts goes on
 * from one round to the next).
 */
export function buildSortWalk(q: TaskQuery, d: Dialect, walkRows: number, after?: MergeKey | null): SortWalk | null {
  const sort = q.sort ?? { field: 'seen_at', desc: true };
  const col = SORT_COLUMNS[sort.field];
  const key = d.rowKey;
  if (!WALKABLE_SORTS.has(col) || q.offset || !key || d.lateRows || narrowed(q, col)) return null;
  const ties = tieColumns(col, d);
  const cursor = q.cursor ? decodeCursor(q.cursor, ties.length + 1) : null;
  if (cursor && cursor[0] === null) return null;
  const dir = sort.desc ? 'DESC' : 'ASC';
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return d.placeholder(params.length);
  };
  const sortKey = [col, ...ties];
  const names = col === 'runtime' ? d.runtimeNames : undefined;
  const filtered = conditions(q, d, () => '?').length > 0;
  if (!filtered && !names) return null;
  const outKey = key === 'uuid' ? '' : `, tasks.${key} AS ${ROW_KEY_ALIAS}`;
  const order = orderBy(sortKey.map((c) => `tasks.${c}`), dir);
  const page = (walk: string) => {
    const conds = conditions(q, d, p);
    return `SELECT tasks.*${outKey} FROM ${walk} CROSS JOIN tasks ON tasks.${key} = walk.walk_key${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${p(q.limit)}`;
  };
  if (names) {
    // the keys, merged on the reader thread, come as the first parameter (a JSON array)
    const sql = page('(SELECT value AS walk_key FROM json_each(?)) AS walk');
    return { sql, params, merge: mergedRuntimeWalk(q, names, sort.desc, key, after ?? cursor, walkRows), pageOnly: !filtered };
  }
  const inner = [`${col} IS NOT NULL`];
  if (cursor) inner.push(rowAfter(sortKey, cursor, sort.desc ? '<' : '>', p));
  const walk = `SELECT ${key} AS walk_key FROM tasks WHERE ${inner.join(' AND ')} ORDER BY ${orderBy(sortKey, dir)} LIMIT ${p(walkRows)}`;
  const reach = { sql: `SELECT count(*) AS n FROM (${walk})`, params: [...params] };
  return { sql: page(`(${walk}) AS walk`), params, reach };
}

/**
 * The first `limit` entries in runtime order of the index `(name, runtime) WHERE runtime IS NOT
 * NULL`: one run per task name, each a range of the index in sort order (narrowed by the cursor
 * and the query's runtime bounds), merged by the reader (merge-walk.ts). The caller checks the
 * other filters on each row.
 */
function mergedRuntimeWalk(
  q: TaskQuery, names: (string | null)[], desc: boolean, key: string, cursor: (string | number | null)[] | null, limit: number,
): MergeWalk {
  const dir = desc ? 'DESC' : 'ASC';
  const run = (name: string | null) => {
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return '?';
    };
    const conds = [name === null ? 'name IS NULL' : `name = ${p(name)}`, 'runtime IS NOT NULL', ...runtimeBounds(q, p)];
    if (cursor) conds.push(rowAfter(['runtime', key], cursor, desc ? '<' : '>', p));
    // (runtimeNames is SQLite's: its index, named so that no other plan can add a sort)
    const sql = `SELECT ${key}, runtime FROM tasks INDEXED BY tasks_name_runtime WHERE ${conds.join(' AND ')} ORDER BY runtime ${dir}, ${key} ${dir} LIMIT ${p(limit)}`;
    return { sql, params };
  };
  return { runs: names.map(run), limit, desc };
}

/** The query's bounds on runtime (filter and search clauses), as conditions an index range serves. */
function runtimeBounds(q: TaskQuery, p: (v: unknown) => string): string[] {
  const out: string[] = [];
  if (q.runtime?.min !== undefined) out.push(`runtime >= ${p(q.runtime.min)}`);
  if (q.runtime?.max !== undefined) out.push(`runtime <= ${p(q.runtime.max)}`);
  for (const c of q.search ?? []) {
    if (c.field !== 'runtime' || c.negate || !(c.op in COMPARE_OPS)) continue;
    out.push(`runtime ${COMPARE_OPS[c.op as keyof typeof COMPARE_OPS]} ${p(Number(c.values[0]))}`);
  }
  return out;
}

export interface SortWalk {
  sql: string;
  params: unknown[];
  /** `SELECT count(*) AS n`: how many index entries the walk had (at most walkRows). */
  reach?: { sql: string; params: unknown[] };
  /**
   * Instead of `reach`: the walk's keys are read first by merging these runs, and bound as the
   * statement's first parameter (a JSON array); their count is the reach.
   */
  merge?: MergeWalk;
  /** No filter: every entry walked is a row of the page (sort-walk.ts walks just the page first). */
  pageOnly?: boolean;
}

/** A merged walk's entry, where the next round goes on after it: its sort value (runtime) and row key. */
export type MergeKey = [sort: number, key: number];

/** Sorted runs of `[key, sort value]` rows to merge, in `desc` order, up to `limit` keys. */
export interface MergeWalk {
  runs: { sql: string; params: unknown[] }[];
  limit: number;
  desc: boolean;
}

/**
 * Whether a page of `q` may walk the merged runtime order (buildSortWalk with
 * `runtimeNames`): a runtime sort, cursor paging, not narrowed to one name or a few rows.
 */
export function walksRuntimeNames(q: TaskQuery): boolean {
  return q.sort?.field === 'runtime' && !q.offset && !narrowed(q, 'runtime');
}

/** Conditions that leave few rows to read, or whose own index serves the sort (see buildSortWalk). */
function narrowed(q: TaskQuery, col: string): boolean {
  if (q.rootId || q.parentId) return true;
  const names = new Set(q.names ?? []);
  for (const c of q.search ?? []) {
    if (c.negate || c.op !== 'in') continue;
    if (c.field === 'uuid' || c.field === 'root' || c.field === 'parent') return true;
    if (c.field === 'name' && c.values.length === 1) names.add(c.values[0]!);
  }
  // one exact task name sorted by runtime: SQLite tasks_name_runtime (0140), PostgreSQL 0030
  return col === 'runtime' && names.size === 1 && !hasWildcard([...names][0]!);
}
