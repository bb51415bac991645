import { exceptionType, queueWait } from '../state/merge.js';
import type { Task, Worker } from '../state/types.js';
import { DEFAULT_HEALTH_POLICY, lostThreshold, viewStatus, type HealthPolicy, type WorkerViewStatus } from '../state/worker-health.js';

/** A task the way Flower's API returns it (Celery's Task.as_dict, worker as a hostname). */
export function flowerTask(t: Task, children: string[] = []) {
  return {
    uuid: t.uuid,
    name: t.name,
    state: t.state,
    received: t.received,
    sent: t.sent,
    started: t.started,
    rejected: t.rejected,
    succeeded: t.succeeded,
    failed: t.failed,
    retried: t.retried,
    revoked: t.revoked,
    args: t.args,
    kwargs: t.kwargs,
    eta: t.eta,
    expires: t.expires,
    retries: t.retries,
    worker: t.worker,
    result: t.result,
    exception: t.exception,
    timestamp: t.timestamp,
    runtime: t.runtime,
    traceback: t.traceback,
    exchange: t.exchange,
    routing_key: t.routing_key,
    clock: t.clock,
    client: t.client,
    root: t.root_id,
    root_id: t.root_id,
    parent: t.parent_id,
    parent_id: t.parent_id,
    children,
  };
}

/** The native /api/v1 view: every stored field plus derived ones. */
export function taskView(t: Task) {
  return {
    ...t,
    exception_type: exceptionType(t.exception),
    queue_wait: queueWait(t),
  };
}

export type WorkerView = Omit<Worker, 'status'> & {
  status: WorkerViewStatus;
  heartbeat_age: number | null;
  /** Seconds of silence after which this worker counts as lost. */
  lost_after: number;
  alive: boolean;
};

export interface WorkerViewOptions {
  policy?: HealthPolicy;
  /** STARTED tasks the live model holds for this worker (idle = none and no active count). */
  running?: number;
  listeningSince?: number;
  freqKnown?: boolean;
}

/**
 * A worker with its health: `online`, `idle`, `offline` (said goodbye) or `lost` (silent longer
 * than --worker-lost-after heartbeat periods without saying goodbye). See state/worker-health.ts.
 */
export function workerView(w: Worker, now = Date.now() / 1000, opts: WorkerViewOptions = {}): WorkerView {
  const policy = opts.policy ?? DEFAULT_HEALTH_POLICY;
  const age = w.last_heartbeat == null ? null : Math.max(0, now - w.last_heartbeat);
  const status = viewStatus(w, now, policy, opts);
  const alive = status === 'online' || status === 'idle';
  return { ...w, status, heartbeat_age: age, lost_after: lostThreshold(w, policy, opts.freqKnown ?? true), alive };
}
