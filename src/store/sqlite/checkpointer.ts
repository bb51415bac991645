import type { CheckpointInit, CheckpointReply } from './checkpoint-thread.js';
import { spawnThread } from './thread.js';

export interface Checkpointer {
  close(): Promise<void>;
}

/** Checkpoints at most once a second, once the WAL holds 4 MB or more. */
const INTERVAL_MS = 1000;
const MIN_BYTES = 4 * 1024 * 1024;

/** Starts the WAL checkpoint thread (checkpoint-thread.ts) of a SQLite file. */
export function startCheckpointer(path: string, onError: (err: Error) => void): Checkpointer {
  const init: CheckpointInit = { path, intervalMs: INTERVAL_MS, minBytes: MIN_BYTES };
  const thread = spawnThread('checkpoint-thread', init);
  let closing = false;
  thread.on('message', (m: CheckpointReply) => {
    if ('error' in m) onError(new Error(`SQLite checkpoint failed: ${m.error}`));
  });
  thread.on('error', (err) => onError(err));
  thread.on('exit', (code) => {
    if (!closing) onError(new Error(`SQLite checkpoint thread exited with code ${code}`));
  });
  // It must not keep the process alive on its own.
  thread.unref();
  return {
    async close() {
      closing = true;
      // Waiting for its reply must keep the process alive (nothing else may be left to).
      thread.ref();
      await new Promise<void>((res) => {
        const done = () => res();
        thread.once('message', done);
        thread.once('exit', done);
        thread.postMessage({ close: true });
      });
      await thread.terminate();
    },
  };
}
