/**
 * Micro-benchmark of the SQLite write path alone, in-process (for profiling with --cpu-prof):
 *   node [--cpu-prof] dist/bench/writer-micro.js [events=500000] [multi=0] [batch=5000]
 * DB=path (default /tmp/celeriac-writer-micro.db, deleted first); KEEP_DB=1 writes into the store
 * already at DB (e.g. one filled by the history scenario) instead, and leaves it there.
 * JSON=1 prints the result as one JSON line (the bench's `writer` scenario reads it).
 * Experiments: PAYLOADS=fresh (each batch its own new strings, as the writer thread gets them;
 * the default reuses strings made once, long promoted, which no scavenge copies; tried and not
 * kept, seventh session: one joined string per batch split into slices on the writer — no
 * faster), TIME_ORDERED_IDS=1, WRITER_PRAGMAS="a; b", PAGE_SIZE=n (a new store's page size;
 * stores use SQLite's default, 4096), FTS_DETAIL=none|column (the trigram tables recreated with
 * that detail level), EXTRA_SQL (run on the migrated store first, e.g. DROP INDEX …), KEEP=1
 * (leave the store).
 */
import { runWriter, removeDb } from './writer-run.js';

const events = Number(process.argv[2] ?? 500000);
const multi = Number(process.argv[3] ?? 0);
const batch = Number(process.argv[4] ?? 5000);
const path = process.env.DB ?? '/tmp/celeriac-writer-micro.db';
const keepDb = process.env.KEEP_DB === '1';
const timeOrderedIds = process.env.TIME_ORDERED_IDS === '1';
const r = await runWriter({
  path,
  events,
  multi,
  batch,
  keepDb,
  timeOrderedIds,
  freshPayloads: process.env.PAYLOADS === 'fresh',
  pragmas: (process.env.WRITER_PRAGMAS ?? '').split(';').map((p) => p.trim()).filter(Boolean),
  beforeMigrate: (db) => {
    if (process.env.PAGE_SIZE) db.pragma(`page_size = ${Number(process.env.PAGE_SIZE)}`);
  },
  setup: (db) => {
    const d = process.env.FTS_DETAIL;
    if (d) {
      db.exec(`DROP TABLE tasks_fts_call; DROP TABLE tasks_fts_outcome;
        CREATE VIRTUAL TABLE tasks_fts_call USING fts5(name, args, kwargs, content='tasks', content_rowid='rowid', tokenize='trigram', ${d});
        CREATE VIRTUAL TABLE tasks_fts_outcome USING fts5(result, exception, content='tasks', content_rowid='rowid', tokenize='trigram', ${d});`);
    }
    if (process.env.EXTRA_SQL) db.exec(process.env.EXTRA_SQL);
  },
});
if (process.env.JSON === '1') process.stdout.write(`${JSON.stringify(r)}\n`);
else {
  process.stdout.write(
    `events ${r.events} inserted ${r.inserted} in ${r.seconds.toFixed(2)} s = ${r.eventsPerSecond} events/s (batch ${batch}, multi ${multi}${timeOrderedIds ? ', time-ordered ids' : ''}, store held ${r.storeHeld} tasks); ` +
      `CPU ${r.cpuSeconds.toFixed(2)} s (system ${r.systemSeconds.toFixed(2)}) = ${r.eventsPerCpuSecond} events per CPU-second; ` +
      `${r.bytesPerEvent} bytes written to disk per event (WAL and checkpoints)\n`,
  );
}
if (!process.env.KEEP && !keepDb) removeDb(path);
