import type { CeleryEvent, Task } from './types.js';

/**
 * Task state precedence (higher wins), as celery.events.state orders it:
 * SUCCESS > FAILURE > custom/unknown > REVOKED > STARTED > RECEIVED > RETRY > PENDING,
 * with one deliberate difference: Celery ranks REJECTED below RECEIVED, so an acks_late task
 * rejected after it started stays STARTED forever in Flower. Here REJECTED outranks STARTED
 * and is terminal. RETRY is special: it neither loses nor wins by rank, the newer event decides.
 * ORPHANED (derived by Celeriac, see state/health-checker.ts) floats like RETRY against the
 * unfinished states, but every real terminal state beats it: a task orphaned and then
 * redelivered (acks_late) ends in its real final state whatever order things arrive in.
 */
export const CUSTOM_RANK = 6;
export function rankOf(state: string): number {
  // A switch, not a lookup table: the table's keyed loads went megamorphic on the hot path.
  switch (state) {
    case 'PENDING':
      return 0;
    case 'RETRY':
      return 1;
    case 'RECEIVED':
      return 2;
    case 'STARTED':
    case 'ORPHANED':
      return 3;
    case 'REJECTED':
      return 4;
    case 'REVOKED':
      return 5;
    case 'FAILURE':
      return 7;
    case 'SUCCESS':
      return 8;
    default:
      return CUSTOM_RANK;
  }
}

export const TERMINAL_STATES: ReadonlySet<string> = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);
/** States that leave the live model's in-flight map: the terminal ones plus ORPHANED. */
export const SETTLED_STATES: ReadonlySet<string> = new Set([...TERMINAL_STATES, 'ORPHANED']);
/** SETTLED_STATES.has(state), without a hash lookup (once per event on the hot path). */
export const isSettled = (state: string): boolean =>
  state === 'SUCCESS' || state === 'FAILURE' || state === 'REVOKED' || state === 'REJECTED' || state === 'ORPHANED';
/** States in which a worker holds the task (reserved, running, or waiting to retry). */
export const HELD_STATES: ReadonlySet<string> = new Set(['RECEIVED', 'STARTED', 'RETRY']);

/** The task event types Celery defines, as small numbers (one string switch per event). */
const enum T {
  Sent,
  Received,
  Started,
  Succeeded,
  Failed,
  Retried,
  Revoked,
  Rejected,
  Orphaned,
  Custom,
}

function typeCode(type: string): T {
  switch (type) {
    case 'task-sent':
      return T.Sent;
    case 'task-received':
      return T.Received;
    case 'task-started':
      return T.Started;
    case 'task-succeeded':
      return T.Succeeded;
    case 'task-failed':
      return T.Failed;
    case 'task-retried':
      return T.Retried;
    case 'task-revoked':
      return T.Revoked;
    case 'task-rejected':
      return T.Rejected;
    case 'task-orphaned':
      return T.Orphaned;
    default:
      return T.Custom;
  }
}

const STATE_OF: readonly string[] = ['PENDING', 'RECEIVED', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED', 'REJECTED', 'ORPHANED'];
/** The per-type timestamp column an event writes (received, started, ...), if any. */
const TIME_FIELD: readonly (keyof Task | undefined)[] = ['sent', 'received', 'started', 'succeeded', 'failed', 'retried', 'revoked', 'rejected'];

function stateOf(code: T, type: string): string {
  return code === T.Custom ? type.slice(5).toUpperCase().replace(/-/g, '_') : STATE_OF[code]!;
}

/** Maps a task event type to the state it announces (`task-xyz` → `XYZ` for custom ones). */
export function stateOfEvent(type: string): string {
  return stateOf(typeCode(type), type);
}

export const timeFieldOf = (type: string): keyof Task | undefined => TIME_FIELD[typeCode(type)];
const isTerminalCode = (c: T) => c === T.Succeeded || c === T.Failed || c === T.Revoked || c === T.Rejected;
export const isTerminalEvent = (type: string) => isTerminalCode(typeCode(type));

/**
 * Does an event announcing `newState` at `newTs` replace `curState` set at `curTs`?
 * Higher rank wins; equal rank: the newer wins; if either is RETRY the newer wins (but
 * SUCCESS/FAILURE always beat RETRY). Deciding by the pair alone, not by arrival order, makes
 * the final state independent of the order events arrive in, so out-of-order and duplicate
 * events never move a task backwards and two Celeriac instances writing the same events agree.
 * (While a retry is in flight the intermediate state can still depend on arrival order, as in
 * Celery: RETRY and the new run's RECEIVED cross.)
 */
export function replacesState(newState: string, newTs: number, curState: string, curTs: number): boolean {
  if (newState === 'RETRY' || curState === 'RETRY') {
    // SUCCESS and FAILURE end a task for good (a retrying run ends with task-retried instead),
    // so they beat RETRY even when clocks of different hosts disagree.
    if (curState === 'SUCCESS' || curState === 'FAILURE') return false;
    if (newState === 'SUCCESS' || newState === 'FAILURE') return true;
    return newTs >= curTs;
  }
  if (newState === 'ORPHANED') return !TERMINAL_STATES.has(curState) && newTs >= curTs;
  if (curState === 'ORPHANED') return TERMINAL_STATES.has(newState) || newTs >= curTs;
  const a = rankOf(newState);
  const b = rankOf(curState);
  return a > b || (a === b && newTs >= curTs);
}

const maxN = (a: number | null, b: number | null | undefined) => (b == null ? a : a == null ? b : a > b ? a : b);
const pick = <T>(incoming: T | null | undefined, current: T | null): T | null => (incoming == null ? current : incoming);

export function emptyTask(uuid: string, ts: number): Task {
  return {
    uuid, name: null, state: 'PENDING', timestamp: 0, args: null, kwargs: null, result: null,
    exception: null, traceback: null, worker: null, client: null, queue: null, exchange: null,
    routing_key: null, root_id: null, parent_id: null, retries: 0, eta: null, expires: null,
    sent: null, received: null, started: null, succeeded: null, failed: null, retried: null,
    revoked: null, rejected: null, finished: null, seen_at: ts, runtime: null, terminated: null,
    signum: null, expired: null, requeue: null, clock: 0, orphaned_at: null, orphan_reason: null,
  };
}

/**
 * Folds one task event into a task, in place. `cut` shortens long text fields.
 * The same rules are written in SQL by the stores (see store/*\/upsert) so that a merge
 * done in memory and one done against a stored row give the same task.
 */
export function applyTaskEvent(task: Task, ev: CeleryEvent, cut: (s: string) => string = (s) => s): void {
  const type = ev.type;
  const code = typeCode(type);
  const ts = ev.timestamp;
  const state = stateOf(code, type);
  // A new task starts as PENDING at time 0, which every event replaces.
  const wins = replacesState(state, ts, task.state, task.timestamp);
  if (wins) {
    task.state = state;
    task.timestamp = ts;
  }
  if (ts < task.seen_at) task.seen_at = ts;
  // Each time column by name (a keyed store through TIME_FIELD went megamorphic).
  switch (code) {
    case T.Sent:
      task.sent = maxN(task.sent, ts);
      break;
    case T.Received:
      task.received = maxN(task.received, ts);
      break;
    case T.Started:
      task.started = maxN(task.started, ts);
      break;
    case T.Succeeded:
      task.succeeded = maxN(task.succeeded, ts);
      break;
    case T.Failed:
      task.failed = maxN(task.failed, ts);
      break;
    case T.Retried:
      task.retried = maxN(task.retried, ts);
      break;
    case T.Revoked:
      task.revoked = maxN(task.revoked, ts);
      break;
    case T.Rejected:
      task.rejected = maxN(task.rejected, ts);
      break;
    default:
      break;
  }
  if (isTerminalCode(code)) task.finished = maxN(task.finished, ts);
  const clock = ev.clock;
  if (typeof clock === 'number' && clock > task.clock) task.clock = clock;

  // Who ran it and how it failed come from the event that decides the state, so a late
  // event from an earlier run (another worker, an earlier retry) does not overwrite them.
  // The client is the original sender: a retry is re-sent by the worker's pool child.
  // Celeriac's own events (orphaning, reconciliation) say nothing about who ran the task.
  if (ev.derived === undefined) {
    if (code === T.Sent) {
      if (task.client === null || isOriginalSend(ev)) task.client = ev.hostname;
    } else if (wins || task.worker === null) task.worker = ev.hostname;
  }
  if (code === T.Orphaned) {
    // The latest orphaning wins, so its reason goes with its time.
    if (task.orphaned_at == null || ts >= task.orphaned_at) {
      task.orphaned_at = ts;
      task.orphan_reason = typeof ev.reason === 'string' ? ev.reason : (ev.derived ?? null);
    }
  }

  task.name = pick(ev.name, task.name);
  if (ev.args != null) task.args = cut(String(ev.args));
  if (ev.kwargs != null) task.kwargs = cut(String(ev.kwargs));
  if (ev.result != null) task.result = cut(String(ev.result));
  if (ev.exception != null && (wins || task.exception === null)) task.exception = cut(String(ev.exception));
  if (ev.traceback != null && (wins || task.traceback === null)) task.traceback = cut(String(ev.traceback));
  task.queue = pick(ev.queue, task.queue);
  task.exchange = pick(ev.exchange, task.exchange);
  task.routing_key = pick(ev.routing_key, task.routing_key);
  task.root_id = pick(ev.root_id, task.root_id);
  task.parent_id = pick(ev.parent_id, task.parent_id);
  if (typeof ev.retries === 'number' && ev.retries > task.retries) task.retries = ev.retries;
  task.eta = pick(ev.eta, task.eta);
  task.expires = pick(ev.expires, task.expires);
  if (typeof ev.runtime === 'number') task.runtime = ev.runtime;
  if (code === T.Revoked) {
    task.terminated = pick(ev.terminated, task.terminated);
    task.signum = pick(ev.signum, task.signum);
    task.expired = pick(ev.expired, task.expired);
  }
  if (code === T.Rejected) task.requeue = pick(ev.requeue, task.requeue);
}

/** A task-sent of the first publication (not the re-publication of a retry). */
export const isOriginalSend = (ev: CeleryEvent) => ev.type === 'task-sent' && !(typeof ev.retries === 'number' && ev.retries > 0);

/** The exception class name from its repr: "ValueError('x')" → "ValueError". */
export function exceptionType(exception: string | null): string | null {
  if (!exception) return null;
  const m = /^([A-Za-z_][\w.]*)\s*\(/.exec(exception);
  return m ? m[1]! : null;
}

/** Seconds between receipt (or sending) and start: the time the task waited in the queue. */
export function queueWait(t: Pick<Task, 'started' | 'received' | 'sent' | 'eta'>): number | null {
  if (t.started == null || t.eta) return null;
  const from = t.received ?? t.sent;
  return from == null ? null : Math.max(0, t.started - from);
}
