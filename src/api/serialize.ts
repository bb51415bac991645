import { exceptionType, queueWait } from '../state/merge.js';
import type { Task, Worker } from '../state/types.js';

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

export type WorkerView = Worker & { heartbeat_age: number | null; alive: boolean };

/**
 * A worker is alive while its last heartbeat is younger than twice its own heartbeat period
 * (Celery's rule); one that stopped without saying goodbye is `lost`.
 */
export function workerView(w: Worker, now = Date.now() / 1000): WorkerView {
  const age = w.last_heartbeat == null ? null : Math.max(0, now - w.last_heartbeat);
  const alive = w.status === 'online' && age !== null && age <= w.freq * 2;
  const status = w.status === 'online' && !alive ? 'lost' : w.status;
  return { ...w, status, heartbeat_age: age, alive };
}
