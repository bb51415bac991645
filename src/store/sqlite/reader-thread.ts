/**
 * The SQLite reader, on its own thread, for the queries whose cost depends on what the user
 * asks (task lists, searches, counts). better-sqlite3 is synchronous: run on the event loop, a
 * slow search would stall the Redis subscriber until Redis drops it.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { startHeapTrimmer } from '../../shared/heap-trim.js';
import type { MergeWalk } from '../query/sql.js';
import { mergedPage, StatementPool } from './merge-walk.js';

export interface ReaderInit {
  path: string;
}
export type ReaderRequest = { id: number; sql: string; params: unknown[] } | { id: number; merge: MergeWalk; sql: string; params: unknown[] };
export type ReaderReply = { id: number; rows: unknown[] } | { id: number; error: string } | { ready: true };

const db = new Database((workerData as ReaderInit).path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
db.pragma('cache_size = -16384');
const statements = new Map<string, Database.Statement>();
const runs = new StatementPool(db);
const statement = (sql: string): Database.Statement => {
  let st = statements.get(sql);
  if (!st) {
    st = db.prepare(sql);
    if (statements.size < 500) statements.set(sql, st);
  }
  return st;
};

parentPort!.on('message', (m: ReaderRequest) => {
  try {
    if ('merge' in m) {
      // a merged walk's round: its keys, then the page over them (merge-walk.ts mergedPage)
      parentPort!.postMessage({ id: m.id, rows: [mergedPage(m.merge, m.sql, m.params, (sql, i) => runs.get(sql, i), statement)] } satisfies ReaderReply);
      return;
    }
    parentPort!.postMessage({ id: m.id, rows: statement(m.sql).all(...m.params) } satisfies ReaderReply);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies ReaderReply);
  }
});
// Result pages are garbage once posted; a quiet reader gives their memory back.
startHeapTrimmer({ slackMb: 16 });
parentPort!.postMessage({ ready: true } satisfies ReaderReply);
