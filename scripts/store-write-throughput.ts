/**
 * Write throughput of a store, outside the ingest pipeline: N tasks (4 events each, realistic
 * payloads, events of a task spread over several batches as in a live stream) written in
 * batches of --batch messages, one batch at a time like the Ingestor does.
 *
 *   npx tsx scripts/store-write-throughput.ts --db postgres://postgres@127.0.0.1/celeriac_bench --tasks 25000
 *   npx tsx scripts/store-write-throughput.ts --db /tmp/bench.db --tasks 25000 [--no-fts]
 */
import Database from 'better-sqlite3';
import { readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PostgresStore } from '../src/store/postgres/store.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import type { Store } from '../src/store/types.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' }, tasks: { type: 'string', default: '25000' }, batch: { type: 'string', default: '5000' },
    spread: { type: 'string', default: '2000' }, 'no-fts': { type: 'boolean', default: false },
  },
});
const db = values.db!;
const tasks = Number(values.tasks);
const batch = Number(values.batch);
const spread = Number(values.spread);

function payloads(): string[] {
  const t0 = Date.now() / 1000 - 3600;
  const out: { at: number; text: string }[] = [];
  let clock = 1;
  for (let i = 0; i < tasks; i++) {
    const uuid = `${i.toString(16).padStart(8, '0')}-8bb3-4f5e-af68-d3b3adb88395`;
    const ts = t0 + i * 0.01;
    const worker = `celery@worker${i % 4}`;
    const base = { utcoffset: 0, pid: 4242, uuid };
    const sent = { ...base, hostname: 'gen1@client', clock: clock++, root_id: uuid, parent_id: null, name: 'tasks.add', args: `(${i}, 3)`, kwargs: "{'customer': 'acme'}", retries: 0, eta: null, expires: null, queue: 'celery', exchange: '', routing_key: 'celery', timestamp: ts, type: 'task-sent' };
    const received = { ...base, hostname: worker, clock: clock++, name: 'tasks.add', args: `(${i}, 3)`, kwargs: "{'customer': 'acme'}", root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, timestamp: ts + 0.01, type: 'task-received' };
    const started = { ...base, hostname: worker, clock: clock++, timestamp: ts + 0.02, type: 'task-started' };
    const done = i % 10 === 0
      ? { ...base, hostname: worker, clock: clock++, exception: "ValueError('boom')", traceback: 'Traceback (most recent call last):\n  ValueError: boom\n', timestamp: ts + 0.3, type: 'task-failed' }
      : { ...base, hostname: worker, clock: clock++, result: String(i + 3), runtime: 0.28, timestamp: ts + 0.3, type: 'task-succeeded' };
    // Spread a task's events over the stream, as a live cluster interleaves them.
    out.push({ at: i, text: JSON.stringify(sent) });
    out.push({ at: i + spread * 0.2, text: JSON.stringify([received]) });
    out.push({ at: i + spread * 0.4, text: JSON.stringify([started]) });
    out.push({ at: i + spread, text: JSON.stringify([done]) });
  }
  return out.sort((a, b) => a.at - b.at).map((x) => x.text);
}

/** CPU seconds used so far by PostgreSQL backends of this store (same machine only). */
async function pgCpu(store: Store): Promise<number> {
  if (store.kind !== 'postgres') return 0;
  const r = await (store as PostgresStore).pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'celeriac'`);
  let ticks = 0;
  for (const { pid } of r.rows) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // not local
    }
  }
  return ticks / 100;
}

async function main() {
  let store: Store;
  if (/^postgres/.test(db)) {
    const admin = await import('pg');
    const name = new URL(db).pathname.slice(1);
    const c = new admin.default.Client({ connectionString: db.replace(/\/[^/]*$/, '/postgres') });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    store = new PostgresStore({ url: db, maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
  } else {
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    store = new SqliteStore({ path: db, maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
  }
  await store.open();
  if (values['no-fts'] && store.kind === 'sqlite') {
    const d = new Database(db);
    for (const t of d.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tasks_fts%'").pluck().all() as string[]) d.exec(`DROP TRIGGER ${t}`);
    d.close();
  }
  if (process.env.BENCH_SQL && store.kind === 'postgres') await (store as PostgresStore).pool.query(process.env.BENCH_SQL);
  const all = payloads();
  const pg0 = await pgCpu(store);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let inserted = 0;
  for (let i = 0; i < all.length; i += batch) inserted += (await store.write({ payloads: all.slice(i, i + batch), workers: [] })).inserted;
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const nodeCpu = (cpu.user + cpu.system) / 1e6;
  const serverCpu = (await pgCpu(store)) - pg0;
  const counts = await store.counts();
  await store.close();
  console.log(JSON.stringify({ store: store.kind, fts: !values['no-fts'], events: inserted, tasks: counts.tasks, seconds: +secs.toFixed(2), eventsPerSecond: Math.round(inserted / secs), batch,
    // CPU seconds: less sensitive than wall time to other load on a shared machine.
    nodeCpuSeconds: +nodeCpu.toFixed(2), serverCpuSeconds: +serverCpu.toFixed(2),
    eventsPerCpuSecond: Math.round(inserted / (nodeCpu + serverCpu)) }));
}

void main();
