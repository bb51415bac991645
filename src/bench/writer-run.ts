import Database from 'better-sqlite3';
import { readFileSync, rmSync } from 'node:fs';
import { unwrapEnvelope } from '../broker/kombu.js';
import { startCheckpointer } from '../store/sqlite/checkpointer.js';
import { migrateSqlite } from '../store/sqlite/migrate.js';
import { openWriter } from '../store/sqlite/writer.js';
import { LifecycleStream, type Envelope } from './events.js';

/**
 * The SQLite write path alone, in-process: the bench publisher's real-format events, unwrapped
 * from their kombu envelopes first, written in batches through `openWriter` as the writer thread
 * does, with WAL checkpoints on their own thread (its CPU counts too). What a host's writer can
 * do with nothing else running: `writer-micro.ts` (experiments) and the bench's `writer` scenario.
 */
export interface WriterRunOptions {
  path: string;
  events: number;
  /** `task.multi` batch size of the generated messages (0: unbatched). */
  multi?: number;
  /** Messages per write (transaction). */
  batch?: number;
  /** Write into the store already at `path` (and leave it there) instead of a fresh one. */
  keepDb?: boolean;
  /** Task ids whose first 8 hex digits count up (experiment: what the random uuid index costs). */
  timeOrderedIds?: boolean;
  /** Extra PRAGMAs on the writer's connection (experiment). */
  pragmas?: string[];
  /** Each batch's payloads copied first: new strings, as the writer thread's message gives them. */
  freshPayloads?: boolean;
  /** Runs on the migrated store before writing (experiments: page size, extra SQL). */
  setup?: (db: Database.Database) => void;
  /** Runs before the migrations on a fresh store (experiment: page size). */
  beforeMigrate?: (db: Database.Database) => void;
}

export interface WriterRunResult {
  events: number;
  inserted: number;
  seconds: number;
  eventsPerSecond: number;
  cpuSeconds: number;
  systemSeconds: number;
  eventsPerCpuSecond: number;
  /** Bytes this process caused to be written to disk (WAL and checkpoints), per stored event. */
  bytesPerEvent: number;
  /** Tasks the store held before (0 for a fresh one). */
  storeHeld: number;
  batch: number;
  multi: number;
}

export async function runWriter(o: WriterRunOptions): Promise<WriterRunResult> {
  const multi = o.multi ?? 0;
  const batch = o.batch ?? 10000;
  const fresh = !o.keepDb;
  if (fresh) removeDb(o.path);
  const mdb = new Database(o.path);
  if (fresh) o.beforeMigrate?.(mdb);
  migrateSqlite(mdb);
  // tasks per state, kept by the writer (migrations/sqlite/0090): no count over a 10 M-row table
  const storeHeld = mdb.prepare('SELECT coalesce(sum(n), 0) FROM task_counts').pluck().get() as number;
  o.setup?.(mdb);
  mdb.close();

  const payloads = generate(o.events, multi, o.timeOrderedIds ?? false);
  const w = openWriter({ path: o.path, maxEventBytes: 524288, maxFieldBytes: 65536, pragmas: o.pragmas ?? [] });
  const checkpointer = startCheckpointer(o.path, (err) => process.stderr.write(`${err.message}\n`));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const written0 = writtenBytes();
  let inserted = 0;
  try {
    for (let i = 0; i < payloads.events.length; i += batch) {
      const slice = payloads.events.slice(i, i + batch);
      inserted += w.write(o.freshPayloads ? structuredClone(slice) : slice, []).inserted;
    }
  } finally {
    w.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const written = writtenBytes() - written0;
  await checkpointer.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    events: payloads.count,
    inserted,
    seconds,
    eventsPerSecond: Math.round(inserted / seconds),
    cpuSeconds,
    systemSeconds: cpu.system / 1e6,
    eventsPerCpuSecond: Math.round(inserted / cpuSeconds),
    bytesPerEvent: inserted > 0 ? Math.round(written / inserted) : 0,
    storeHeld,
    batch,
    multi,
  };
}

export function removeDb(path: string): void {
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
}

/** At least `total` task events as the writer thread gets them: event texts, unwrapped. */
function generate(total: number, multi: number, timeOrderedIds: boolean): { events: string[]; count: number } {
  const stream = new LifecycleStream({ workers: 8, multi, failureRatio: 0.1, delay: 40, hostPrefix: 'micro', pid: 4242, timeOrderedIds });
  const out: Envelope[] = [];
  const events: string[] = [];
  let count = 0;
  const take = () => {
    for (const e of out) {
      count += e.taskEvents;
      const r = unwrapEnvelope(e.text);
      if (r.ok) events.push(r.text);
    }
    out.length = 0;
  };
  while (count < total) {
    stream.step(out);
    if (multi > 1 && out.length > 24) stream.flushAll(out);
    take();
  }
  stream.drain(out);
  take();
  return { events, count };
}

/** Bytes this process (all its threads) caused to be written to disk, from /proc/self/io. */
function writtenBytes(): number {
  try {
    return Number(/^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
