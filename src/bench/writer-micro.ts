/**
 * Micro-benchmark of the SQLite write path alone, in-process (for profiling with --cpu-prof):
 *   node [--cpu-prof] dist/bench/writer-micro.js [events=500000] [multi=0] [batch=5000]
 * DB=path (default /tmp/celeriac-writer-micro.db, deleted first); KEEP_DB=1 writes into the store
 * already at DB (e.g. one filled by the history scenario) instead, and leaves it there.
 * PAYLOADS=fresh: each batch its own new strings, as the writer thread gets them (below).
 */
import Database from 'better-sqlite3';
import { readFileSync, rmSync } from 'node:fs';
import { unwrapEnvelope } from '../broker/kombu.js';
import { startCheckpointer } from '../store/sqlite/checkpointer.js';
import { migrateSqlite } from '../store/sqlite/migrate.js';
import { openWriter } from '../store/sqlite/writer.js';
import { LifecycleStream, type Envelope } from './events.js';

const total = Number(process.argv[2] ?? 500000);
const multi = Number(process.argv[3] ?? 0);
const batch = Number(process.argv[4] ?? 5000);
const path = process.env.DB ?? '/tmp/celeriac-writer-micro.db';
const keepDb = process.env.KEEP_DB === '1';
if (!keepDb) for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
const mdb = new Database(path);
// PAGE_SIZE=n: a new store's page size (experiment; stores use SQLite's default, 4096).
if (process.env.PAGE_SIZE && !keepDb) mdb.pragma(`page_size = ${Number(process.env.PAGE_SIZE)}`);
migrateSqlite(mdb);
// tasks per state, kept by the writer (migrations/sqlite/0090): no count over a 10 M-row table
const before = mdb.prepare('SELECT coalesce(sum(n), 0) FROM task_counts').pluck().get() as number;
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

// TIME_ORDERED_IDS=1: task ids whose first 8 hex digits count up instead of random ones, so the
// uuid index grows at its end (experiment: what the random primary-key index costs).
const timeOrderedIds = process.env.TIME_ORDERED_IDS === '1';
const stream = new LifecycleStream({ workers: 8, multi, failureRatio: 0.1, delay: 40, hostPrefix: 'micro', pid: 4242, timeOrderedIds });
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
// WRITER_PRAGMAS="a; b": extra PRAGMAs on the writer's connection (experiment).
const pragmas = (process.env.WRITER_PRAGMAS ?? '').split(';').map((p) => p.trim()).filter(Boolean);
const w = openWriter({ path, maxEventBytes: 524288, maxFieldBytes: 65536, pragmas });
// As the store runs it: WAL checkpoints on their own thread (its CPU counts below too).
const checkpointer = startCheckpointer(path, (err) => process.stderr.write(`${err.message}\n`));
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const written0 = writtenBytes();
let inserted = 0;
// PAYLOADS=fresh: each batch's payloads copied first (structuredClone), new strings in the young
// generation as the writer thread's message gives them (the default reuses strings made once,
// long promoted, which no scavenge copies). Tried and not kept (seventh session): one joined
// string per batch split into slices on the writer — no faster.
const fresh = process.env.PAYLOADS === 'fresh';
const batchOf = (slice: string[]): string[] => (fresh ? structuredClone(slice) : slice);
for (let i = 0; i < payloads.length; i += batch) inserted += w.write(batchOf(payloads.slice(i, i + batch)), []).inserted;
const s = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
const written = writtenBytes() - written0;
w.close();
await checkpointer.close();
process.stdout.write(
  `events ${events} inserted ${inserted} in ${s.toFixed(2)} s = ${Math.round(inserted / s)} events/s (batch ${batch}, multi ${multi}${timeOrderedIds ? ', time-ordered ids' : ''}, store held ${before} tasks); ` +
    `CPU ${cpuS.toFixed(2)} s (system ${(cpu.system / 1e6).toFixed(2)}) = ${Math.round(inserted / cpuS)} events per CPU-second; ` +
    `${Math.round(written / inserted)} bytes written to disk per event (WAL and checkpoints)\n`,
);
if (!process.env.KEEP && !keepDb) for (const s2 of ['', '-wal', '-shm']) rmSync(path + s2, { force: true });

/** Bytes this process (all its threads) caused to be written to disk, from /proc/self/io. */
function writtenBytes(): number {
  try {
    return Number(/^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
