/**
 * The SQLite reader, on its own thread, for the queries whose cost depends on what the user
 * asks (task lists, searches, counts). better-sqlite3 is synchronous: run on the event loop, a
 * slow search would stall the Redis subscriber until Redis drops it.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { startHeapTrimmer } from '../../shared/heap-trim.js';
import type { MergeWalk } from '../query/sql.js';
import { mergeRuns, StatementPool } from './merge-walk.js';

export interface ReaderInit {
  path: string;
}
export type ReaderRequest = { id: number; sql: string; params: unknown[] } | { id: number; merge: MergeWalk };
export type ReaderReply = { id: number; rows: unknown[] } | { id: number; error: string } | { ready: true };

const db = new Database((workerData as ReaderInit).path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
db.pragma('cache_size = -16384');
const statements = new Map<string, Database.Statement>();
const runs = new StatementPool(db);

parentPort!.on('message', (m: ReaderRequest) => {
  try {
    if ('merge' in m) {
      parentPort!.postMessage({ id: m.id, rows: mergeRuns(m.merge, (sql, i) => runs.get(sql, i)) } satisfies ReaderReply);
      return;
    }
    let st = statements.get(m.sql);
    if (!st) {
      st = db.prepare(m.sql);
      if (statements.size < 500) statements.set(m.sql, st);
    }
    parentPort!.postMessage({ id: m.id, rows: st.all(...m.params) } satisfies ReaderReply);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies ReaderReply);
  }
});
// Result pages are garbage once posted; a quiet reader gives their memory back.
startHeapTrimmer({ slackMb: 16 });
parentPort!.postMessage({ ready: true } satisfies ReaderReply);
