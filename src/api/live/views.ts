import { exceptionType, queueWait } from '../../state/merge.js';
import type { Task } from '../../state/types.js';

/** Text fields in a live list update are cut to this many characters (the table shows a line). */
export const LIVE_TEXT_CHARS = 300;

const short = (s: string | null): string | null => (s != null && s.length > LIVE_TEXT_CHARS ? `${s.slice(0, LIVE_TEXT_CHARS)}…` : s);

/**
 * The row a live list update carries: the task-list fields with long text cut and no
 * traceback. The detail view subscribes with `full` and gets taskView instead.
 */
export function liveTaskRow(t: Task) {
  return {
    uuid: t.uuid, name: t.name, state: t.state, timestamp: t.timestamp,
    args: short(t.args), kwargs: short(t.kwargs), result: short(t.result), exception: short(t.exception),
    exception_type: exceptionType(t.exception), worker: t.worker, client: t.client, queue: t.queue,
    root_id: t.root_id, parent_id: t.parent_id, retries: t.retries, eta: t.eta, expires: t.expires,
    sent: t.sent, received: t.received, started: t.started, succeeded: t.succeeded, failed: t.failed,
    retried: t.retried, revoked: t.revoked, rejected: t.rejected, finished: t.finished, seen_at: t.seen_at,
    runtime: t.runtime, queue_wait: queueWait(t), clock: t.clock, partial: true,
  };
}
