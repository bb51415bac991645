import type { WorkerView } from '../../lib/types';

/** online / idle / offline / lost: an online worker running nothing is idle. */
export function displayStatus(w: WorkerView): 'online' | 'idle' | 'offline' | 'lost' {
  if (w.status === 'online' && w.active === 0) return 'idle';
  return w.status;
}
