import type { Worker } from './types.js';

/**
 * Worker health rules, pure (the clock is a parameter). A worker is:
 * - `offline` when it said goodbye (worker-offline),
 * - `lost` when it stopped sending heartbeats without saying goodbye: nothing heard for more
 *   than `lostAfter` × its own heartbeat period (`freq`),
 * - `idle` when online with nothing running, `online` otherwise.
 *
 * Celery's own rule is "alive while the last heartbeat is younger than 2 × freq". Celeriac waits
 * longer by default (3 ×), so one late heartbeat on a busy machine does not orphan tasks.
 */
export interface HealthPolicy {
  /** Lost after this many heartbeat periods of silence. */
  lostAfter: number;
  /** Offline/lost workers leave live views and metrics after this many seconds (0 = never). */
  purgeAfter: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { lostAfter: 3, purgeAfter: 3600 };

/**
 * The period assumed for a worker whose own `freq` we have not seen yet (first seen through a
 * task event, or the heartbeat kick's reply, which always says 5): generous, so a worker with
 * a long interval is not declared lost before its first heartbeat arrives.
 */
export const UNCONFIRMED_FREQ = 10;

export type WorkerViewStatus = 'online' | 'idle' | 'offline' | 'lost';

/** Seconds of silence after which the worker counts as lost. */
export function lostThreshold(w: Pick<Worker, 'freq'>, policy: HealthPolicy, freqKnown = true): number {
  const freq = w.freq > 0 ? w.freq : 2;
  return policy.lostAfter * (freqKnown ? freq : Math.max(freq, UNCONFIRMED_FREQ));
}

/**
 * Is an online worker now lost? `listeningSince` is when Celeriac (re)connected to the broker:
 * heartbeats sent while it was not listening were never heard, so silence counts from then.
 */
export function isLost(
  w: Pick<Worker, 'status' | 'freq' | 'last_heartbeat'>,
  now: number,
  policy: HealthPolicy,
  opts: { listeningSince?: number; freqKnown?: boolean } = {},
): boolean {
  if (w.status !== 'online') return false;
  const heard = Math.max(w.last_heartbeat ?? 0, opts.listeningSince ?? 0);
  if (heard === 0) return false;
  return now - heard > lostThreshold(w, policy, opts.freqKnown ?? true);
}

/** The status a view shows: stored status, lost if silent too long, idle if nothing runs. */
export function viewStatus(
  w: Pick<Worker, 'status' | 'freq' | 'last_heartbeat' | 'active'>,
  now: number,
  policy: HealthPolicy,
  opts: { running?: number; listeningSince?: number; freqKnown?: boolean } = {},
): WorkerViewStatus {
  if (w.status === 'offline' || w.status === 'lost') return w.status;
  if (isLost(w, now, policy, opts)) return 'lost';
  return w.active > 0 || (opts.running ?? 0) > 0 ? 'online' : 'idle';
}

/** When a worker that is not online stopped being online (for purging). */
export function goneSince(w: Pick<Worker, 'offline_at' | 'last_heartbeat'>): number | null {
  return w.offline_at ?? w.last_heartbeat;
}

/** Has an offline/lost worker been gone long enough to drop out of live views and metrics? */
export function isPurgeable(
  w: Pick<Worker, 'offline_at' | 'last_heartbeat'>,
  status: WorkerViewStatus,
  now: number,
  policy: HealthPolicy,
): boolean {
  if (policy.purgeAfter <= 0 || (status !== 'offline' && status !== 'lost')) return false;
  const since = status === 'lost' ? Math.max(w.offline_at ?? 0, w.last_heartbeat ?? 0) : goneSince(w);
  return since !== null && since > 0 && now - since > policy.purgeAfter;
}
