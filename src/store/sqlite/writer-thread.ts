/**
 * The SQLite writer, on its own thread: better-sqlite3 is synchronous, and the receive path
 * must never wait on the disk. It gets raw event payloads, decodes them (the same decoder the
 * ingest pipeline ran), and writes each batch in one transaction (see writer.ts).
 */
import { startHeapTrimmer } from '../../shared/heap-trim.js';
import { parentPort, workerData } from 'node:worker_threads';
import type { Worker as WorkerState } from '../../state/types.js';
import type { RetentionPolicy, RetentionResult } from '../retention.js';
import { openWriter, type WriterInit } from './writer.js';

export type { WriterInit } from './writer.js';
export type WriterRequest =
  | { id: number; payloads: string[]; workers: WorkerState[] }
  | { id: number; retention: RetentionPolicy; now: number }
  | { id: number; sql: string; params: unknown[] }
  | { id: number; close: true };
export type WriterReply =
  | { id: number; inserted: number; duplicates: number }
  | { id: number; retention: RetentionResult }
  | { id: number; error: string }
  | { ready: true };

const writer = openWriter(workerData as WriterInit);
// Decoded batches are garbage once written; at a low event rate V8 would keep them for long.
startHeapTrimmer({ slackMb: 16 });

parentPort!.on('message', (msg: WriterRequest) => {
  if ('close' in msg) {
    try {
      writer.close();
    } finally {
      parentPort!.postMessage({ id: msg.id, inserted: 0, duplicates: 0 } satisfies WriterReply);
    }
    return;
  }
  try {
    if ('sql' in msg) {
      writer.run(msg.sql, msg.params);
      parentPort!.postMessage({ id: msg.id, inserted: 0, duplicates: 0 } satisfies WriterReply);
      return;
    }
    if ('retention' in msg) {
      parentPort!.postMessage({ id: msg.id, retention: writer.retention(msg.retention, msg.now) } satisfies WriterReply);
      return;
    }
    const r = writer.write(msg.payloads, msg.workers);
    parentPort!.postMessage({ id: msg.id, ...r } satisfies WriterReply);
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) } satisfies WriterReply);
  }
});
parentPort!.postMessage({ ready: true } satisfies WriterReply);
