/**
 * Checkpoints the SQLite WAL on its own thread (docs/PERFORMANCE.md). With SQLite's default,
 * the connection whose commit makes the WAL pass 1,000 pages copies the whole WAL into the
 * database file and waits for the disk right there: on the writer thread that is a pause in
 * storing events, on the event loop (any write from there) a stall of the receive path. Here
 * a PASSIVE checkpoint runs whenever the WAL has grown past `minBytes`: it never blocks the
 * writer or the readers, and the writer starts the WAL over once it has all been copied (the
 * file is cut back to the writer's journal_size_limit then, 512 MB: writer.ts).
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointInit {
  path: string;
  intervalMs: number;
  minBytes: number;
}
export type CheckpointRequest = { close: true };
export type CheckpointReply = { ready: true } | { closed: true } | { error: string };

const init = workerData as CheckpointInit;
const db = new Database(init.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('cache_size = -2048');
const wal = `${init.path}-wal`;

function walBytes(): number {
  try {
    return statSync(wal).size;
  } catch {
    return 0;
  }
}

// Once a second at most: pages written again and again (the ends of the indexes, the
// full-text segments being merged) are copied once per checkpoint, not once per commit.
const timer = setInterval(() => {
  try {
    if (walBytes() >= init.minBytes) db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies CheckpointReply);
  }
}, init.intervalMs);

parentPort!.on('message', (m: CheckpointRequest) => {
  if (!m.close) return;
  clearInterval(timer);
  db.close();
  parentPort!.postMessage({ closed: true } satisfies CheckpointReply);
});
parentPort!.postMessage({ ready: true } satisfies CheckpointReply);
