import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { migrateSqlite } from '../store/sqlite/migrate.js';
import { HEAL_TASK_BLOCKS, TASK_COLUMNS } from '../store/sqlite/statements.js';

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

/** The parameters of the generating SQL for rows [from, to) of a history planned for `total` tasks. */
export interface FillRange {
  from: number;
  to: number;
  total: number;
  /**
   * The size of the store being filled: its last 2,000 tasks are left unfinished (in flight on
   * workers that are gone, so the first start orphans them). Every store the bench compares
   * (1 M and 10 M) ends with the same tail; with the plan's end instead, only the 10 M store had
   * one, and its first start's orphaning made its RSS read higher than the 1 M store's. A store
   * extended to a larger size keeps its old tail in the middle (the bench fills each size afresh).
   */
  end: number;
  /** Epoch seconds the history ends at. */
  now: number;
}

const fillParams = (r: FillRange) => ({
  from: r.from, to: r.to, start: r.now - HISTORY_DAYS * 86400, dt: (HISTORY_DAYS * 86400) / r.total,
  scale: 0xffffffff / r.total, unfinishedFrom: r.end - 2000,
});

/** The name and worker tables the generating SQL looks up (temp tables of this connection). */
export function createLookups(db: Database.Database): void {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS bench_names (id INTEGER PRIMARY KEY, v TEXT); CREATE TEMP TABLE IF NOT EXISTS bench_workers (id INTEGER PRIMARY KEY, v TEXT)');
  NAMES.forEach((n, i) => db.prepare('INSERT OR REPLACE INTO bench_names VALUES (?, ?)').run(i, n));
  WORKERS.forEach((n, i) => db.prepare('INSERT OR REPLACE INTO bench_workers VALUES (?, ?)').run(i, n));
}

/** Rows per transaction. */
const STEP = 500_000;
/** FTS5's buffer of pending terms while filling (its default, 1 MB, makes a segment every ~10,000 rows). */
const FILL_HASHSIZE = 256 * 1024 * 1024;
const FTS_TABLES = ['tasks_fts_call', 'tasks_fts_outcome'] as const;
const setHashsize = (db: Database.Database, bytes: number) => {
  for (const t of FTS_TABLES) db.exec(`INSERT INTO ${t} (${t}, rank) VALUES ('hashsize', ${Math.round(bytes)})`);
};

/**
 * Fills the store at `path` to `target` tasks. A fresh store is filled on both cores: this
 * thread inserts the tasks (secondary indexes kept: rows arrive in time order, so nearly
 * every index grows at its end, cheaper than dropping and rebuilding 15 of them at 10 M),
 * while a worker thread generates the same rows' text (the same SQL, the same numbers) and
 * builds the two full-text indexes in a file of its own; their tables are then copied into
 * the store, which is exactly what indexing the rows here would have written. A store that
 * already holds tasks is extended in this thread alone, indexing each step as the writer does.
 */
export async function fillHistory(path: string, target: number, log: (s: string) => void): Promise<FillResult> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrateSqlite(db);
  const have = (db.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n;
  if (have >= target) {
    db.close();
    return { tasks: have, added: 0, seconds: 0 };
  }
  const t0 = performance.now();
  // A scratch file: no WAL (pages written once, not to the WAL and then to the database), no
  // sync. better-sqlite3's default (defensive) mode refuses journal_mode OFF.
  db.unsafeMode(true);
  if (db.pragma('journal_mode = OFF', { simple: true }) !== 'off') throw new Error('fill: cannot turn the journal off');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  db.pragma('temp_store = FILE');
  // Tasks per state are counted once at the end (the writer keeps them since 0090; older
  // stores had triggers, dropped here and restored after).
  const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tasks' AND name LIKE 'tasks_count_%'").all() as { name: string; sql: string }[];
  for (const tr of triggers) db.exec(`DROP TRIGGER ${tr.name}`);
  createLookups(db);
  const now = Date.now() / 1000;
  // Plan the timeline for the final size, so filling 1 M then 10 M gives one history.
  const total = Math.max(target, 10_000_000);
  const insert = db.prepare(fillSql(TASK_COLUMNS));
  const top = db.prepare('SELECT coalesce(max(rowid), 0) FROM tasks').pluck();
  const parallel = have === 0 && (top.get() as number) === 0;
  const aux = `${path}.fts-fill`;
  const fts = parallel ? startFtsThread(aux, { from: 0, to: target, total, end: target, now }) : null;
  if (!parallel) setHashsize(db, FILL_HASHSIZE);
  const ftsCall = db.prepare('INSERT INTO tasks_fts_call (rowid, name, args, kwargs) SELECT rowid, name, args, kwargs FROM tasks WHERE rowid > ?');
  const ftsOutcome = db.prepare('INSERT INTO tasks_fts_outcome (rowid, result, exception) SELECT rowid, result, exception FROM tasks WHERE rowid > ?');
  try {
    for (let i = have; i < target; i += STEP) {
      db.transaction(() => {
        const before = top.get() as number;
        insert.run(fillParams({ from: i, to: Math.min(target, i + STEP), total, end: target, now }));
        if (!parallel) {
          ftsCall.run(before);
          ftsOutcome.run(before);
        }
      })();
      if ((i / STEP) % 4 === 3) log(`  filled ${i + STEP} tasks (${Math.round((i + STEP - have) / ((performance.now() - t0) / 1000))}/s)`);
    }
  } catch (err) {
    await fts?.stop();
    throw err;
  }
  if (fts) {
    const tf = performance.now();
    const ftsSeconds = await fts.done;
    log(`  tasks inserted in ${((tf - t0) / 1000).toFixed(0)} s; full-text indexes built beside them in ${ftsSeconds.toFixed(0)} s (waited ${((performance.now() - tf) / 1000).toFixed(0)} s)`);
    // rowid = row number + 1 is what the text thread indexed under
    const [n, max] = db.prepare('SELECT count(*), max(rowid) FROM tasks').raw().get() as [number, number];
    if (n !== target || max !== target) throw new Error(`fill: expected rowids 1..${target}, found ${n} rows up to ${max}`);
    const tc = performance.now();
    copyFtsTables(db, aux);
    log(`  copied the full-text indexes in ${((performance.now() - tc) / 1000).toFixed(0)} s`);
    rmSync(aux, { force: true });
  } else setHashsize(db, 1024 * 1024);
  db.exec('DELETE FROM task_counts; INSERT INTO task_counts (state, n) SELECT state, count(*) FROM tasks GROUP BY state');
  // what the writer keeps for the rows it inserts (migrations/sqlite/0130_task_blocks.sql)
  db.exec('DELETE FROM task_blocks');
  db.exec(HEAL_TASK_BLOCKS);
  for (const tr of triggers) db.exec(tr.sql);
  db.pragma('journal_mode = WAL');
  db.unsafeMode(false);
  db.pragma('optimize');
  db.close();
  return { tasks: target, added: target - have, seconds: (performance.now() - t0) / 1000 };
}

/** Replaces the (empty) full-text tables of `db` by those built in `aux` (same definitions). */
function copyFtsTables(db: Database.Database, aux: string): void {
  // FTS5's shadow tables are read-only to SQL in defensive mode (off for the whole fill).
  db.prepare('ATTACH ? AS fts_fill').run(aux);
  try {
    db.transaction(() => {
      for (const t of FTS_TABLES) {
        // Not `config`: the store keeps the settings its migrations gave (0120: automerge).
        for (const part of ['data', 'idx', 'docsize']) {
          db.exec(`DELETE FROM main.${t}_${part}; INSERT INTO main.${t}_${part} SELECT * FROM fts_fill.${t}_${part}`);
        }
      }
    })();
  } finally {
    db.exec('DETACH fts_fill');
  }
}

export interface FtsThreadInit extends FillRange {
  path: string;
  /** CREATE VIRTUAL TABLE statements of the store's full-text tables. */
  tables: string[];
  hashsize: number;
}

/** Starts fill-fts-thread.ts building the full-text tables of rows [from, to) into `aux`. */
function startFtsThread(aux: string, range: FillRange): { done: Promise<number>; stop: () => Promise<void> } {
  rmSync(aux, { force: true });
  const init: Omit<FtsThreadInit, 'tables'> = { path: aux, ...range, hashsize: FILL_HASHSIZE };
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(`./fill-fts-thread.${ts ? 'ts' : 'js'}`, import.meta.url);
  const workerData = { ...init, tables: ftsTableSql() };
  const thread = ts
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData })
    : new Worker(url, { workerData });
  const done = new Promise<number>((res, rej) => {
    thread.once('message', (m: { seconds?: number; error?: string }) => (m.error ? rej(new Error(`fill text thread: ${m.error}`)) : res(m.seconds ?? 0)));
    thread.once('error', rej);
    thread.once('exit', (code) => rej(new Error(`fill text thread exited with code ${code}`)));
  });
  return { done, stop: async () => void (await thread.terminate()) };
}

/** The store's full-text tables as created by the migrations (read from a fresh in-memory store). */
function ftsTableSql(): string[] {
  const mem = new Database(':memory:');
  try {
    migrateSqlite(mem);
    return FTS_TABLES.map((t) => mem.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(t) as string);
  } finally {
    mem.close();
  }
}

/** Deterministic pseudo-random in [0,1) from the row number (different streams by multiplier). */
const rnd = (mul: number, add: number) => `(((i * ${mul} + ${add}) % 4294967296) / 4294967296.0)`;
const uuidOf = (i: string) =>
  `printf('%08x-%04x-4%03x-a%03x-%012x', CAST(${i} * @scale AS INTEGER), ((${i}) * 40503) % 65536, ((${i}) * 2654435761) % 4096, ((${i}) * 97) % 4096, ((${i}) * 1103515245 + 12345) % 281474976710656)`;

/** The rows @from..@to-1 of the history, generated inside SQLite (the CTE `d`, one row per task). */
const FILL_CTE = `WITH RECURSIVE s(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM s WHERE i + 1 < @to),
  a AS (SELECT i, ${rnd(2654435761, 0)} AS r1, ${rnd(2246822519, 7)} AS r2, ${rnd(3266489917, 13)} AS r3, ${rnd(668265263, 17)} AS r4,
        ${rnd(374761393, 23)} AS r5, @start + i * @dt AS seen FROM s),
  b AS (SELECT *, CASE WHEN i >= @unfinishedFrom THEN (CASE WHEN r1 < 0.5 THEN 'STARTED' ELSE 'RECEIVED' END)
          WHEN r1 < 0.89 THEN 'SUCCESS' WHEN r1 < 0.97 THEN 'FAILURE' WHEN r1 < 0.985 THEN 'REVOKED' WHEN r1 < 0.99 THEN 'REJECTED' ELSE 'SUCCESS' END AS state,
        seen + 0.002 AS rcv, r5 < 0.05 AND i > 0 AS child FROM a),
  c AS (SELECT *, CASE WHEN state IN ('SUCCESS', 'FAILURE') THEN 0.001 + r2 * r5 * 5 END AS rt,
        CASE WHEN state IN ('RECEIVED', 'REVOKED') THEN NULL ELSE rcv + r4 * 0.5 END AS st FROM b),
  d AS (SELECT *, CASE WHEN state IN ('STARTED', 'RECEIVED') THEN NULL ELSE coalesce(st, rcv) + coalesce(rt, 0.01) END AS fin FROM c)`;

/**
 * `d` as a subquery SQLite does not flatten (OFFSET 0), so each row's values are computed once:
 * flattened, every use of a column of `d` (state, fin, ...) repeats its whole expression
 * chain (10 -> 5.5 us per row of SQL alone).
 */
const D_ONCE = '(SELECT * FROM d LIMIT -1 OFFSET 0)';

/** The SQL expression of each task column over `d`. */
function fillExpressions(): Record<string, string> {
  const rank = "CASE state WHEN 'SUCCESS' THEN 8 WHEN 'FAILURE' THEN 7 WHEN 'REVOKED' THEN 5 WHEN 'REJECTED' THEN 4 WHEN 'STARTED' THEN 3 ELSE 2 END";
  return {
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
}

/** One INSERT ... SELECT that generates rows @from..@to-1 entirely inside SQLite. */
export function fillSql(columns: readonly string[]): string {
  const expr = fillExpressions();
  return `${FILL_CTE}
  INSERT INTO tasks (${columns.join(', ')}) SELECT ${columns.map((c) => expr[c]).join(', ')} FROM ${D_ONCE}`;
}

/** The searched text of the same rows with their rowid (the row number + 1 in a fresh store). */
export function fillTextSql(): string {
  const e = fillExpressions();
  return `${FILL_CTE}
  SELECT i + 1 AS rowid, ${e.name} AS name, ${e.args} AS args, ${e.kwargs} AS kwargs, ${e.result} AS result, ${e.exception} AS exception FROM ${D_ONCE}`;
}

export { fillParams };

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
