import type { WorkerView } from '../../lib/types';

/**
 * online / idle / offline / lost, as the server decides it (from heartbeats and running tasks);
 * a server that predates `idle` says online, and a worker running nothing reads as idle.
 */
export function displayStatus(w: WorkerView): WorkerView['status'] {
  if (w.status === 'online' && w.active === 0) return 'idle';
  return w.status;
}
