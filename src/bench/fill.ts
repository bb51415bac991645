import Database from 'better-sqlite3';
import { migrateSqlite } from '../store/sqlite/migrate.js';
import { TASK_COLUMNS } from '../store/sqlite/statements.js';

/**
 * Fills a SQLite store with synthetic finished tasks straight through SQL (not through the
 * broker): realistic field sets and distributions, 30 days of history ending now, a few
 * thousand unfinished tasks at the end. Resumable: it appends from the current row count.
 */
export const NAMES = Array.from({ length: 40 }, (_, i) =>
  i < 6 ? ['tasks.add', 'billing.charge', 'emails.send_welcome', 'reports.build', 'images.resize', 'sync.pull_orders'][i]! : `app.module${i % 7}.job_${i}`,
);
export const WORKERS = Array.from({ length: 20 }, (_, i) => `celery-worker-${i + 1}@prod-node-${(i % 5) + 1}`);
const TRACEBACK =
  'Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 451, in trace_task\n' +
  '    R = retval = fun(*args, **kwargs)\n  File "/app/billing/tasks.py", line 88, in charge\n    gateway.charge(order)\n' +
  '  File "/app/billing/gateway.py", line 31, in charge\n    raise ValueError(f"card declined for order {order.id}")\n';
export const HISTORY_DAYS = 30;

export interface FillResult {
  tasks: number;
  added: number;
  seconds: number;
}

export function fillHistory(path: string, target: number, log: (s: string) => void): FillResult {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrateSqlite(db);
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  db.pragma('temp_store = FILE');
  const have = (db.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n;
  const t0 = performance.now();
  if (have >= target) {
    db.close();
    return { tasks: have, added: 0, seconds: 0 };
  }
  // Bulk load without the secondary indexes, then build them (sorting is far cheaper than
  // maintaining 12 B-trees row by row).
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL").all() as { name: string; sql: string }[];
  for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
  // Tasks per state are counted once at the end (the writer keeps them since 0090; older
  // stores had triggers, dropped here and restored after).
  const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tasks' AND name LIKE 'tasks_count_%'").all() as { name: string; sql: string }[];
  for (const tr of triggers) db.exec(`DROP TRIGGER ${tr.name}`);
  db.exec('CREATE TEMP TABLE bench_names (id INTEGER PRIMARY KEY, v TEXT); CREATE TEMP TABLE bench_workers (id INTEGER PRIMARY KEY, v TEXT)');
  NAMES.forEach((n, i) => db.prepare('INSERT INTO bench_names VALUES (?, ?)').run(i, n));
  WORKERS.forEach((n, i) => db.prepare('INSERT INTO bench_workers VALUES (?, ?)').run(i, n));
  const now = Date.now() / 1000;
  // Plan the timeline for the final size, so filling 1 M then 10 M gives one history.
  const total = Math.max(target, 10_000_000);
  const insert = db.prepare(fillSql(TASK_COLUMNS));
  const step = 250_000;
  // The store's writer keeps the full-text indexes (store/sqlite/fts.ts); rows loaded here are
  // indexed the same way, one statement per index per step, as the writer's batches are.
  const top = db.prepare('SELECT coalesce(max(rowid), 0) FROM tasks').pluck();
  const ftsCall = db.prepare('INSERT INTO tasks_fts_call (rowid, name, args, kwargs) SELECT rowid, name, args, kwargs FROM tasks WHERE rowid > ?');
  const ftsOutcome = db.prepare('INSERT INTO tasks_fts_outcome (rowid, result, exception) SELECT rowid, result, exception FROM tasks WHERE rowid > ?');
  for (let i = have; i < target; i += step) {
    db.transaction(() => {
      const before = top.get() as number;
      insert.run({ from: i, to: Math.min(target, i + step), start: now - HISTORY_DAYS * 86400, dt: (HISTORY_DAYS * 86400) / total, scale: 0xffffffff / total, unfinishedFrom: total - 2000 });
      ftsCall.run(before);
      ftsOutcome.run(before);
    })();
    if ((i / step) % 8 === 7) log(`  filled ${i + step} tasks (${Math.round((i + step - have) / ((performance.now() - t0) / 1000))}/s)`);
  }
  const ti = performance.now();
  for (const ix of indexes) db.exec(ix.sql);
  db.exec('DELETE FROM task_counts; INSERT INTO task_counts (state, n) SELECT state, count(*) FROM tasks GROUP BY state');
  for (const tr of triggers) db.exec(tr.sql);
  log(`  built ${indexes.length} indexes in ${((performance.now() - ti) / 1000).toFixed(1)} s`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('optimize');
  db.close();
  return { tasks: target, added: target - have, seconds: (performance.now() - t0) / 1000 };
}

/** Deterministic pseudo-random in [0,1) from the row number (different streams by multiplier). */
const rnd = (mul: number, add: number) => `(((i * ${mul} + ${add}) % 4294967296) / 4294967296.0)`;
const uuidOf = (i: string) =>
  `printf('%08x-%04x-4%03x-a%03x-%012x', CAST(${i} * @scale AS INTEGER), ((${i}) * 40503) % 65536, ((${i}) * 2654435761) % 4096, ((${i}) * 97) % 4096, ((${i}) * 1103515245 + 12345) % 281474976710656)`;

/** One INSERT ... SELECT that generates rows @from..@to-1 entirely inside SQLite. */
export function fillSql(columns: readonly string[]): string {
  const rank = "CASE state WHEN 'SUCCESS' THEN 8 WHEN 'FAILURE' THEN 7 WHEN 'REVOKED' THEN 5 WHEN 'REJECTED' THEN 4 WHEN 'STARTED' THEN 3 ELSE 2 END";
  const expr: Record<string, string> = {
    uuid: uuidOf('i'), name: '(SELECT v FROM bench_names WHERE id = CAST(40 * r2 * r2 * r2 AS INTEGER))', state: 'state', rank,
    timestamp: 'coalesce(fin, st, rcv)', args: "printf('(%d, %d)', i % 1000, (i * 7) % 1000)",
    kwargs: "printf('{''customer'': ''acme-%d'', ''order_id'': %d}', i % 5000, i)",
    result: "CASE WHEN state = 'SUCCESS' THEN printf('{''ok'': True, ''order_id'': %d}', i) END",
    exception: "CASE WHEN state = 'FAILURE' THEN printf('ValueError(''card declined for order %d'')', i) END",
    exception_type: "CASE WHEN state = 'FAILURE' THEN 'ValueError' END",
    traceback: `CASE WHEN state = 'FAILURE' THEN ${sqlString(TRACEBACK)} END`,
    worker: '(SELECT v FROM bench_workers WHERE id = CAST(20 * r3 AS INTEGER))', client: "'gen4242@api-1'",
    queue: "CASE WHEN r4 < 0.6 THEN 'celery' WHEN r4 < 0.85 THEN 'default' WHEN r4 < 0.95 THEN 'high' ELSE 'low' END",
    exchange: "''", routing_key: "'celery'", root_id: `CASE WHEN child THEN ${uuidOf('i - 1')} ELSE ${uuidOf('i')} END`,
    parent_id: `CASE WHEN child THEN ${uuidOf('i - 1')} END`, retries: 'CASE WHEN r1 > 0.99 THEN 1 ELSE 0 END', eta: 'NULL', expires: 'NULL',
    sent: 'seen', received: 'rcv', started: 'st', succeeded: "CASE WHEN state = 'SUCCESS' THEN fin END",
    failed: "CASE WHEN state = 'FAILURE' THEN fin END", retried: 'NULL', revoked: "CASE WHEN state = 'REVOKED' THEN fin END",
    rejected: "CASE WHEN state = 'REJECTED' THEN fin END", finished: 'fin', seen_at: 'seen', runtime: 'rt',
    terminated: "CASE WHEN state = 'REVOKED' THEN 0 END", signum: 'NULL', expired: "CASE WHEN state = 'REVOKED' THEN 0 END",
    requeue: "CASE WHEN state = 'REJECTED' THEN 0 END", clock: 'i', orphaned_at: 'NULL', orphan_reason: 'NULL',
  };
  return `WITH RECURSIVE s(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM s WHERE i + 1 < @to),
  a AS (SELECT i, ${rnd(2654435761, 0)} AS r1, ${rnd(2246822519, 7)} AS r2, ${rnd(3266489917, 13)} AS r3, ${rnd(668265263, 17)} AS r4,
        ${rnd(374761393, 23)} AS r5, @start + i * @dt AS seen FROM s),
  b AS (SELECT *, CASE WHEN i >= @unfinishedFrom THEN (CASE WHEN r1 < 0.5 THEN 'STARTED' ELSE 'RECEIVED' END)
          WHEN r1 < 0.89 THEN 'SUCCESS' WHEN r1 < 0.97 THEN 'FAILURE' WHEN r1 < 0.985 THEN 'REVOKED' WHEN r1 < 0.99 THEN 'REJECTED' ELSE 'SUCCESS' END AS state,
        seen + 0.002 AS rcv, r5 < 0.05 AND i > 0 AS child FROM a),
  c AS (SELECT *, CASE WHEN state IN ('SUCCESS', 'FAILURE') THEN 0.001 + r2 * r5 * 5 END AS rt,
        CASE WHEN state IN ('RECEIVED', 'REVOKED') THEN NULL ELSE rcv + r4 * 0.5 END AS st FROM b),
  d AS (SELECT *, CASE WHEN state IN ('STARTED', 'RECEIVED') THEN NULL ELSE coalesce(st, rcv) + coalesce(rt, 0.01) END AS fin FROM c)
  INSERT INTO tasks (${columns.join(', ')}) SELECT ${columns.map((c) => expr[c]).join(', ')} FROM d`;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
