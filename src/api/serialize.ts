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

/**
 * The native /api/v1 view: every stored field plus derived ones. Spelled out rather than
 * `{ ...t, … }`: V8 gives a spread copy of a 37-field object a property store four times the
 * size (1,400 bytes against 344 per task, docs/PERFORMANCE.md), and a burst of task-list
 * queries promoted them into the event loop's old generation faster than anything else.
 */
export function taskView(t: Task) {
  return {
    uuid: t.uuid, name: t.name, state: t.state, timestamp: t.timestamp,
    args: t.args, kwargs: t.kwargs, result: t.result, exception: t.exception, traceback: t.traceback,
    worker: t.worker, client: t.client, queue: t.queue, exchange: t.exchange, routing_key: t.routing_key,
    root_id: t.root_id, parent_id: t.parent_id, retries: t.retries, eta: t.eta, expires: t.expires,
    sent: t.sent, received: t.received, started: t.started, succeeded: t.succeeded, failed: t.failed,
    retried: t.retried, revoked: t.revoked, rejected: t.rejected, finished: t.finished, seen_at: t.seen_at,
    runtime: t.runtime, terminated: t.terminated, signum: t.signum, expired: t.expired, requeue: t.requeue,
    clock: t.clock, orphaned_at: t.orphaned_at, orphan_reason: t.orphan_reason,
    exception_type: exceptionType(t.exception),
    queue_wait: queueWait(t),
  } satisfies Task & { exception_type: string | null; queue_wait: number | null };
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
