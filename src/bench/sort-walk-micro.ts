/**
 * Filter + sort queries on an existing SQLite store, read-only, in-process: for each query the
 * sort walk (store/sqlite/sort-walk.ts, the walks it took) against the usual plan (the page
 * statements of buildTaskQuery), twice each, and whether both give the same page.
 *   node dist/bench/sort-walk-micro.js STORE.db [--no-usual]
 * The store can be one the history scenario keeps (BENCH_KEEP_HISTORY) or fillHistory's.
 * Names and workers are those fillHistory writes.
 */
import Database from 'better-sqlite3';
import { buildSortWalk, buildTaskQuery, type MergeWalk } from '../store/query/sql.js';
import { SQLITE } from '../store/sqlite/dialect.js';
import { mergedPage, RUNTIME_NAMES, runtimeNamesOf, StatementPool } from '../store/sqlite/merge-walk.js';
import { sortWalkPage } from '../store/sqlite/sort-walk.js';
import type { TaskQuery } from '../store/types.js';
import { NAMES, WORKERS } from './fill.js';

const [path] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!path) {
  process.stderr.write('usage: node dist/bench/sort-walk-micro.js STORE.db [--no-usual]\n');
  process.exit(2);
}
const db = new Database(path, { readonly: true });
db.pragma('cache_size = -64000');
type Rows = Record<string, unknown>[];
const cases: [string, Omit<TaskQuery, 'limit'>][] = [
  ['name (common) sort=-runtime', { names: [NAMES[1]!], sort: { field: 'runtime', desc: true } }],
  ['name (rare) sort=-runtime', { names: [NAMES[38]!], sort: { field: 'runtime', desc: true } }],
  ['state=FAILURE sort=-runtime', { states: ['FAILURE'], sort: { field: 'runtime', desc: true } }],
  ['worker sort=runtime', { workers: [WORKERS[6]!], sort: { field: 'runtime', desc: false } }],
  ['state=FAILURE sort=-received', { states: ['FAILURE'], sort: { field: 'received', desc: true } }],
  ['name (common) sort=-finished', { names: [NAMES[1]!], sort: { field: 'finished', desc: true } }],
  ['queue=low sort=-started', { queues: ['low'], sort: { field: 'started', desc: true } }],
];
const want = 51;
// the store's dialect for runtime sorts: the names' ranges of tasks_name_runtime merged (0150)
const runtimeNames = runtimeNamesOf((db.prepare(RUNTIME_NAMES).get() as { j: string }).j);
const dialect = (q: TaskQuery) => (q.sort?.field === 'runtime' ? { ...SQLITE, runtimeNames } : SQLITE);
const pool = new StatementPool(db);
const merge = async (m: MergeWalk, sql: string, params: unknown[]) => mergedPage(m, sql, params, (s, i) => pool.get(s, i), (s) => db.prepare(s));
const read = async (sql: string, params: unknown[]): Promise<Rows> => db.prepare(sql).all(...params) as Rows;
const usual = (q: TaskQuery): Rows => {
  const rows: Rows = [];
  for (const part of buildTaskQuery(q, SQLITE).parts) {
    if (rows.length >= want) break;
    rows.push(...(db.prepare(part.sql).all(...part.params) as Rows));
  }
  return rows.slice(0, want);
};
const ms = (t: number) => `${(performance.now() - t).toFixed(1)} ms`;
for (const [label, query] of cases) {
  const q = { ...query, limit: want };
  const walks: number[] = [];
  const timesWalk: string[] = [];
  let walked: Rows | null = null;
  for (let i = 0; i < 2; i++) {
    walks.length = 0;
    const t = performance.now();
    const page = await sortWalkPage(want, (n, after) => (walks.push(n), buildSortWalk(q, dialect(q), n, after)), read, { merge });
    walked = page && page.rows.length >= want ? page.rows.slice(0, want) : null;
    timesWalk.push(ms(t));
  }
  const how = walks.length === 0 || (walks.length === 1 && !walked) ? 'usual plan (not applicable)' : walked ? `walks ${walks.join(', ')}` : `walks ${walks.join(', ')}, then the usual plan`;
  let line = `${label}: ${how}: ${timesWalk.join(', ')}`;
  if (!process.argv.includes('--no-usual')) {
    const timesUsual: string[] = [];
    let rows: Rows = [];
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      rows = usual(q);
      timesUsual.push(ms(t));
    }
    const same = walked ? JSON.stringify(walked.map((r) => r.uuid)) === JSON.stringify(rows.map((r) => r.uuid)) : null;
    line += `; usual plan ${timesUsual.join(', ')}${same === null ? '' : same ? '; same page' : '; DIFFERENT PAGE'}`;
  }
  process.stdout.write(`${line}\n`);
}
db.close();
