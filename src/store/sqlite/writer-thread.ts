/**
 * The SQLite writer, on its own thread: better-sqlite3 is synchronous, and the receive path
 * must never wait on the disk. It gets raw event payloads, decodes them (the same decoder the
 * ingest pipeline ran), and writes each batch in one transaction.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { Worker as WorkerState } from '../../state/types.js';
import { cutter, decodeTaskEvents, eventRow, foldTasks, taskParams, workerParams } from '../rows.js';
import type { RetentionPolicy, RetentionResult } from '../retention.js';
import { configureConnection } from './pragmas.js';
import { runSqliteRetention } from './retention.js';
import { INSERT_EVENT, UPSERT_TASK, UPSERT_WORKER } from './statements.js';

export interface WriterInit {
  path: string;
  maxEventBytes: number;
  maxFieldBytes: number;
}
export type WriterRequest =
  | { id: number; payloads: string[]; workers: WorkerState[] }
  | { id: number; retention: RetentionPolicy; now: number }
  | { id: number; close: true };
export type WriterReply =
  | { id: number; inserted: number; duplicates: number }
  | { id: number; retention: RetentionResult }
  | { id: number; error: string }
  | { ready: true };

const init = workerData as WriterInit;
const db = new Database(init.path);
configureConnection(db, 32);
const insertEvent = db.prepare(INSERT_EVENT);
const upsertTask = db.prepare(UPSERT_TASK);
const upsertWorker = db.prepare(UPSERT_WORKER);
const cut = cutter(init.maxFieldBytes);

const writeBatch = db.transaction((payloads: string[], workers: WorkerState[]) => {
  const events = decodeTaskEvents(payloads, init.maxEventBytes);
  const fresh = [];
  let duplicates = 0;
  for (const ev of events) {
    const r = eventRow(ev, cut);
    if (insertEvent.run(r.uuid, r.timestamp, r.type, r.hostname, r.clock, r.data).changes > 0) fresh.push(ev);
    else duplicates++;
  }
  for (const t of foldTasks(fresh, cut).values()) upsertTask.run(taskParams(t));
  for (const w of workers) upsertWorker.run(workerParams(w));
  return { inserted: fresh.length, duplicates };
});

parentPort!.on('message', (msg: WriterRequest) => {
  if ('close' in msg) {
    try {
      db.pragma('optimize');
      db.close();
    } finally {
      parentPort!.postMessage({ id: msg.id, inserted: 0, duplicates: 0 } satisfies WriterReply);
    }
    return;
  }
  try {
    if ('retention' in msg) {
      parentPort!.postMessage({ id: msg.id, retention: runSqliteRetention(db, msg.retention, msg.now) } satisfies WriterReply);
      return;
    }
    const r = writeBatch(msg.payloads, msg.workers);
    parentPort!.postMessage({ id: msg.id, ...r } satisfies WriterReply);
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) } satisfies WriterReply);
  }
});
parentPort!.postMessage({ ready: true } satisfies WriterReply);
