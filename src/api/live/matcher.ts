import { exceptionType } from '../../state/merge.js';
import type { Task } from '../../state/types.js';
import { idPrefixes, type SearchClause } from '../../store/query/search.js';
import type { TaskQuery, TimeRange } from '../../store/types.js';

/** A compiled task filter: true when the task belongs in the list the query describes. */
export type TaskMatcher = (t: Task) => boolean;

/**
 * Compiles a task-list query (the one GET /api/v1/tasks takes) into an in-memory predicate,
 * so the live socket can tell which changed tasks a client's view shows without asking the
 * store. It follows the SQL built in store/query/sql.ts clause for clause: `=` is exact, globs
 * and text searches are case-insensitive, a missing field never matches a condition, and a
 * negated condition lets missing fields through (SQL's `NOT COALESCE(cond, FALSE)`).
 * Sorting, limits and cursors do not filter, so they are ignored here.
 */
export function compileTaskFilter(q: Omit<TaskQuery, 'limit'> & { limit?: number }): TaskMatcher {
  const tests: TaskMatcher[] = [];
  const list = (get: (t: Task) => string | null, values: string[] | undefined, globbable: boolean) => {
    if (values && values.length > 0) tests.push(anyOf(get, values, globbable));
  };
  list((t) => t.state, q.states, false);
  list((t) => t.name, q.names, true);
  list((t) => t.worker, q.workers, true);
  list((t) => t.queue, q.queues, true);
  list((t) => exceptionType(t.exception), q.exceptionTypes, false);
  range((t) => t.received, q.received, tests);
  range((t) => t.started, q.started, tests);
  range((t) => t.finished, q.finished, tests);
  range((t) => t.seen_at, q.seen, tests);
  if (q.rootId) {
    const id = q.rootId;
    tests.push((t) => t.root_id === id);
  }
  if (q.parentId) {
    const id = q.parentId;
    tests.push((t) => t.parent_id === id);
  }
  const rmin = q.runtime?.min;
  const rmax = q.runtime?.max;
  if (rmin !== undefined) tests.push((t) => t.runtime != null && t.runtime >= rmin);
  if (rmax !== undefined) tests.push((t) => t.runtime != null && t.runtime <= rmax);
  if (q.retriesMin !== undefined) {
    const m = q.retriesMin;
    tests.push((t) => t.retries >= m);
  }
  for (const c of q.search ?? []) tests.push(clauseTest(c));
  if (tests.length === 0) return () => true;
  return (t) => {
    for (const f of tests) if (!f(t)) return false;
    return true;
  };
}

function range(get: (t: Task) => number | null, r: TimeRange | undefined, tests: TaskMatcher[]): void {
  if (!r) return;
  const { from, to } = r;
  if (from !== undefined) tests.push((t) => { const v = get(t); return v != null && v >= from; });
  if (to !== undefined) tests.push((t) => { const v = get(t); return v != null && v <= to; });
}

/** A glob with `*` (SQL LIKE, so case-insensitive) as an anchored regular expression. */
export function globRegExp(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'is');
}

function anyOf(get: (t: Task) => string | null, values: string[], globbable: boolean): TaskMatcher {
  const exact = new Set(values.filter((v) => !(globbable && v.includes('*'))));
  const globs = values.filter((v) => globbable && v.includes('*')).map(globRegExp);
  return (t) => {
    const v = get(t);
    if (v == null) return false;
    if (exact.has(v)) return true;
    for (const g of globs) if (g.test(v)) return true;
    return false;
  };
}

/** What a bare word searches by substring (search.ts WORD_COLUMNS); the id is matched by prefix. */
const TEXT_FIELDS: ((t: Task) => string | null)[] = [
  (t) => t.name, (t) => t.args, (t) => t.kwargs, (t) => t.result, (t) => t.exception,
];

const CLAUSE_FIELD: Record<string, (t: Task) => string | number | null> = {
  state: (t) => t.state, name: (t) => t.name, worker: (t) => t.worker, queue: (t) => t.queue,
  uuid: (t) => t.uuid, root: (t) => t.root_id, parent: (t) => t.parent_id,
  exception_type: (t) => exceptionType(t.exception), args: (t) => t.args, kwargs: (t) => t.kwargs,
  result: (t) => t.result, exception: (t) => t.exception, traceback: (t) => t.traceback,
  runtime: (t) => t.runtime, retries: (t) => t.retries,
};

function clauseTest(c: SearchClause): TaskMatcher {
  let test: TaskMatcher;
  if (c.op === 'in') {
    const globbable = c.field === 'name' || c.field === 'worker' || c.field === 'queue';
    const get = CLAUSE_FIELD[c.field]! as (t: Task) => string | null;
    test = anyOf(get, c.values, globbable);
  } else if (c.op === 'contains') {
    const needle = c.values[0]!.toLowerCase();
    const has = (v: string | number | null) => v != null && String(v).toLowerCase().includes(needle);
    if (c.field === 'text') {
      const prefixes = idPrefixes(c.values[0]!);
      test = (t) => prefixes.some((x) => t.uuid.startsWith(x)) || TEXT_FIELDS.some((f) => has(f(t)));
    }
    else {
      const get = CLAUSE_FIELD[c.field]!;
      test = (t) => has(get(t));
    }
  } else {
    const n = Number(c.values[0]);
    const get = CLAUSE_FIELD[c.field]! as (t: Task) => number | null;
    const cmp = { gt: (v: number) => v > n, gte: (v: number) => v >= n, lt: (v: number) => v < n, lte: (v: number) => v <= n, eq: (v: number) => v === n }[c.op];
    test = (t) => { const v = get(t); return v != null && cmp(v); };
  }
  return c.negate ? (t) => !test(t) : test;
}
