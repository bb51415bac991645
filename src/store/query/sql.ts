import { AppError } from '../../shared/errors.js';
import type { SortField, TaskQuery, TimeRange } from '../types.js';
import { globToLike, hasWildcard, likeEscape, type SearchClause } from './search.js';

/**
 * Builds the SQL of a task-list query for either store. Both dialects share this so that a
 * filter means the same everywhere; they differ only in placeholders and case-insensitive LIKE.
 */
export interface Dialect {
  placeholder(n: number): string;
  /** Case-insensitive LIKE operator. */
  ilike: string;
  /**
   * True when the database sorts NULLs last in a descending ORDER BY on its own (SQLite: NULL
   * is the smallest value). Then descending sorts need no `col IS NULL` term, which would keep
   * the column's index from serving the ORDER BY.
   */
  descNullsLast?: boolean;
  /**
   * Optional: an indexed full-text condition for a text search (FTS5 / tsvector), or null to
   * fall back to substring matching.
   */
  fullText?(column: 'text' | 'args' | 'kwargs' | 'result' | 'exception' | 'traceback', value: string, param: (v: unknown) => string): string | null;
}

const SORT_COLUMNS: Record<SortField, string> = {
  seen_at: 'seen_at', timestamp: 'timestamp', received: 'received', started: 'started',
  finished: 'finished', name: 'name', state: 'state', runtime: 'runtime',
};

const TEXT_COLUMNS = ['uuid', 'name', 'args', 'kwargs', 'result', 'exception'];

export function encodeCursor(value: unknown, uuid: string): string {
  return Buffer.from(JSON.stringify([value, uuid])).toString('base64url');
}

export function decodeCursor(cursor: string): [string | number | null, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[1] === 'string' && (v[0] === null || ['string', 'number'].includes(typeof v[0]))) {
      return v as [string | number | null, string];
    }
  } catch {
    // fall through
  }
  throw new AppError('INVALID_CURSOR', 'cursor is not one this server gave out');
}

export function buildTaskQuery(q: TaskQuery, d: Dialect, columns = '*'): { sql: string; params: unknown[]; sortColumn: string } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return d.placeholder(params.length);
  };
  const sort = q.sort ?? { field: 'seen_at', desc: true };
  const col = SORT_COLUMNS[sort.field];
  const dir = sort.desc ? 'DESC' : 'ASC';
  const notNull = col === 'seen_at' || col === 'timestamp' || col === 'state';
  const nullsLast = notNull || (sort.desc && d.descNullsLast) ? '' : `${col} IS NULL, `;
  const orderBy = `ORDER BY ${nullsLast}${col} ${dir}, uuid ${dir}`;
  const where = (conds: string[]) => (conds.length ? ` WHERE ${conds.join(' AND ')}` : '');
  const states = q.states ? [...new Set(q.states)] : [];
  let sql: string;
  if (states.length > 1 && col === 'seen_at' && !q.offset) {
    // Several states sorted by time: one index range per state (state, seen_at), each cut to
    // the page, then merged. A plain IN list makes SQLite sort every matching row first.
    const parts = states.map(
      (st) => `SELECT * FROM (SELECT ${columns} FROM tasks${where(conditions({ ...q, states: [st] }, d, p, col, sort.desc))} ${orderBy} LIMIT ${p(q.limit)})`,
    );
    sql = `${parts.join(' UNION ALL ')} ${orderBy} LIMIT ${p(q.limit)}`;
  } else {
    sql = `SELECT ${columns} FROM tasks${where(conditions(q, d, p, col, sort.desc))} ${orderBy} LIMIT ${p(q.limit)}`;
    if (q.offset) sql += ` OFFSET ${p(q.offset)}`;
  }
  return { sql, params, sortColumn: col };
}

/** The WHERE terms of a task query (filters, search clauses and the cursor position). */
function conditions(q: TaskQuery, d: Dialect, p: (v: unknown) => string, col: string, desc: boolean): string[] {
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
  range('received', q.received, conds, p);
  range('started', q.started, conds, p);
  range('finished', q.finished, conds, p);
  range('seen_at', q.seen, conds, p);
  if (q.rootId) conds.push(rootMatch([q.rootId], p));
  if (q.parentId) conds.push(`parent_id = ${p(q.parentId)}`);
  if (q.runtime?.min !== undefined) conds.push(`runtime >= ${p(q.runtime.min)}`);
  if (q.runtime?.max !== undefined) conds.push(`runtime <= ${p(q.runtime.max)}`);
  if (q.retriesMin !== undefined) conds.push(`retries >= ${p(q.retriesMin)}`);
  for (const c of q.search ?? []) conds.push(searchCondition(c, p, d));
  const cmp = desc ? '<' : '>';
  if (q.cursor) {
    const [v, id] = decodeCursor(q.cursor);
    if (v === null) {
      // we are inside the NULL block (NULLs sort last in both directions here)
      conds.push(`(${col} IS NULL AND uuid ${cmp} ${p(id)})`);
    } else {
      conds.push(`(${col} ${cmp} ${p(v)} OR (${col} = ${p(v)} AND uuid ${cmp} ${p(id)}) OR ${col} IS NULL)`);
    }
  }
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
      cond = `(${TEXT_COLUMNS.map((col) => `${col} ${d.ilike} ${p(pat)} ESCAPE '\\'`).join(' OR ')})`;
    } else cond = `${CLAUSE_COLUMN[c.field]} ${d.ilike} ${p(`%${likeEscape(v)}%`)} ESCAPE '\\'`;
  } else {
    const op = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=' }[c.op];
    cond = `${CLAUSE_COLUMN[c.field]} ${op} ${p(Number(c.values[0]))}`;
  }
  // NULL never matches a condition, so a negated one must let NULLs through explicitly.
  return c.negate ? `NOT COALESCE(${cond}, FALSE)` : cond;
}
