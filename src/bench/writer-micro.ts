/**
 * Micro-benchmark of the SQLite write path alone, in-process (for profiling with --cpu-prof):
 *   node [--cpu-prof] dist/bench/writer-micro.js [events=500000] [multi=0] [batch=5000]
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { unwrapEnvelope } from '../broker/kombu.js';
import { startCheckpointer } from '../store/sqlite/checkpointer.js';
import { migrateSqlite } from '../store/sqlite/migrate.js';
import { openWriter } from '../store/sqlite/writer.js';
import { LifecycleStream, type Envelope } from './events.js';

const total = Number(process.argv[2] ?? 500000);
const multi = Number(process.argv[3] ?? 0);
const batch = Number(process.argv[4] ?? 5000);
const path = process.env.DB ?? '/tmp/celeriac-writer-micro.db';
for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
const mdb = new Database(path);
migrateSqlite(mdb);
// FTS_DETAIL=none|column: recreate the trigram tables with that detail level (experiment).
if (process.env.FTS_DETAIL) {
  const d = process.env.FTS_DETAIL;
  mdb.exec(`DROP TABLE tasks_fts_call; DROP TABLE tasks_fts_outcome;
    CREATE VIRTUAL TABLE tasks_fts_call USING fts5(name, args, kwargs, content='tasks', content_rowid='rowid', tokenize='trigram', ${d});
    CREATE VIRTUAL TABLE tasks_fts_outcome USING fts5(result, exception, content='tasks', content_rowid='rowid', tokenize='trigram', ${d});`);
}
// EXTRA_SQL: run on the migrated store before writing (experiment, e.g. an extra index).
if (process.env.EXTRA_SQL) mdb.exec(process.env.EXTRA_SQL);
mdb.close();

const stream = new LifecycleStream({ workers: 8, multi, failureRatio: 0.1, delay: 40, hostPrefix: 'micro', pid: 4242 });
const out: Envelope[] = [];
const payloads: string[] = [];
let events = 0;
while (events < total) {
  stream.step(out);
  if (multi > 1 && out.length > 24) stream.flushAll(out);
  for (const e of out) {
    events += e.taskEvents;
    const r = unwrapEnvelope(e.text);
    if (r.ok) payloads.push(r.text);
  }
  out.length = 0;
}
stream.drain(out);
for (const e of out) {
  events += e.taskEvents;
  const r = unwrapEnvelope(e.text);
  if (r.ok) payloads.push(r.text);
}
const w = openWriter({ path, maxEventBytes: 524288, maxFieldBytes: 65536 });
// As the store runs it: WAL checkpoints on their own thread (its CPU counts below too).
const checkpointer = startCheckpointer(path, (err) => process.stderr.write(`${err.message}\n`));
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let inserted = 0;
for (let i = 0; i < payloads.length; i += batch) inserted += w.write(payloads.slice(i, i + batch), []).inserted;
const s = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
w.close();
await checkpointer.close();
process.stdout.write(`events ${events} inserted ${inserted} in ${s.toFixed(2)} s = ${Math.round(inserted / s)} events/s (batch ${batch}, multi ${multi}); CPU ${cpuS.toFixed(2)} s = ${Math.round(inserted / cpuS)} events per CPU-second\n`);
if (!process.env.KEEP) for (const s2 of ['', '-wal', '-shm']) rmSync(path + s2, { force: true });
