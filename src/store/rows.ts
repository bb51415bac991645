import { decodePayload } from '../ingest/decode.js';
import { applyTaskEvent, emptyTask, exceptionType, isOriginalSend, rankOf } from '../state/merge.js';
import type { CeleryEvent, Task, Worker } from '../state/types.js';

/** Fields of an event that are its identity rather than its data. */
export const EVENT_IDENTITY: ReadonlySet<string> = new Set(['uuid', 'timestamp', 'type', 'hostname', 'clock', 'utcoffset', 'pid', 'local_received']);

/** An event's Lamport clock as stored: an integer, 0 when missing. */
export const eventClock = (ev: { clock?: unknown }): number => (typeof ev.clock === 'number' ? Math.trunc(ev.clock) : 0);

export interface EventRow {
  uuid: string;
  timestamp: number;
  type: string;
  hostname: string;
  clock: number;
  data: string | null;
}

export function cutter(maxChars: number): (s: string) => string {
  return (s) => (s.length > maxChars ? `${s.slice(0, maxChars)}…` : s);
}

/** The stored form of an event: identity columns plus the rest as JSON text. */
export function eventRow(ev: CeleryEvent, cut: (s: string) => string): EventRow {
  let data: Record<string, unknown> | null = null;
  for (const k in ev) {
    if (EVENT_IDENTITY.has(k)) continue;
    const v = ev[k];
    if (v === undefined) continue;
    (data ??= {})[k] = typeof v === 'string' ? cut(v) : v;
  }
  return {
    uuid: ev.uuid!,
    timestamp: ev.timestamp,
    type: ev.type,
    hostname: ev.hostname,
    clock: eventClock(ev),
    data: data ? JSON.stringify(data) : null,
  };
}

export interface DecodedBatch {
  /** Task events in arrival order. */
  events: CeleryEvent[];
}

/** Decodes a batch's payloads into task events (worker events are stored from the live model). */
export function decodeTaskEvents(payloads: string[], maxBytes: number): CeleryEvent[] {
  const events: CeleryEvent[] = [];
  const sink = {
    event(ev: CeleryEvent) {
      if (ev.type.charCodeAt(0) === 116 /* t */) events.push(ev);
    },
    malformed() {
      // already counted by the ingest pipeline, which ran the same decoder
    },
  };
  for (const p of payloads) decodePayload(p, maxBytes, sink);
  return events;
}

export interface FoldedTask {
  task: Task;
  /** The batch held the original task-sent, whose sender is the task's client. */
  originalSend: boolean;
}

/** Folds events of the same task together (same rules as the SQL upsert), one row per task. */
export function foldTasks(events: CeleryEvent[], cut: (s: string) => string): Map<string, FoldedTask> {
  const tasks = new Map<string, FoldedTask>();
  for (const ev of events) {
    let f = tasks.get(ev.uuid!);
    if (!f) {
      f = { task: emptyTask(ev.uuid!, ev.timestamp), originalSend: false };
      tasks.set(ev.uuid!, f);
    }
    applyTaskEvent(f.task, ev, cut);
    if (isOriginalSend(ev)) f.originalSend = true;
  }
  return tasks;
}

const b = (v: boolean | null) => (v === null ? null : v ? 1 : 0);

/**
 * A folded task as the positional values of the SQLite upsert: its id, the columns in
 * `columns` order (TASK_COLUMNS), then 1 if the batch held the original task-sent (left out
 * with `insert`: the plain INSERT of a new task has no SET clause to use it).
 */
export function taskValues(f: FoldedTask, id: number, columns: readonly string[], insert = false): unknown[] {
  // Read straight off the task: no object built (or spread into) per task on the hot path.
  const t = f.task as unknown as Record<string, unknown>;
  const out = new Array<unknown>(columns.length + (insert ? 1 : 2));
  out[0] = id;
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    let v: unknown;
    if (c === 'rank') v = rankOf(f.task.state);
    else if (c === 'exception_type') v = exceptionType(f.task.exception);
    else if (c === 'terminated' || c === 'expired' || c === 'requeue') v = b(t[c] as boolean | null);
    else v = t[c];
    out[i + 1] = v ?? null;
  }
  if (!insert) out[columns.length + 1] = f.originalSend ? 1 : 0;
  return out;
}

export function workerParams(w: Worker): Record<string, unknown> {
  return { ...w, loadavg: w.loadavg ? JSON.stringify(w.loadavg) : null };
}

const bool = (v: unknown) => (v === null || v === undefined ? null : Boolean(v));

/** A stored task row back into a Task. */
export function rowToTask(r: Record<string, unknown>): Task {
  return {
    uuid: r.uuid as string,
    name: (r.name as string) ?? null,
    state: r.state as string,
    timestamp: Number(r.timestamp),
    args: (r.args as string) ?? null,
    kwargs: (r.kwargs as string) ?? null,
    result: (r.result as string) ?? null,
    exception: (r.exception as string) ?? null,
    traceback: (r.traceback as string) ?? null,
    worker: (r.worker as string) ?? null,
    client: (r.client as string) ?? null,
    queue: (r.queue as string) ?? null,
    exchange: (r.exchange as string) ?? null,
    routing_key: (r.routing_key as string) ?? null,
    root_id: (r.root_id as string) ?? null,
    parent_id: (r.parent_id as string) ?? null,
    retries: Number(r.retries ?? 0),
    eta: (r.eta as string) ?? null,
    expires: (r.expires as string) ?? null,
    sent: num(r.sent),
    received: num(r.received),
    started: num(r.started),
    succeeded: num(r.succeeded),
    failed: num(r.failed),
    retried: num(r.retried),
    revoked: num(r.revoked),
    rejected: num(r.rejected),
    finished: num(r.finished),
    seen_at: Number(r.seen_at),
    runtime: num(r.runtime),
    terminated: bool(r.terminated),
    signum: num(r.signum),
    expired: bool(r.expired),
    requeue: bool(r.requeue),
    clock: Number(r.clock ?? 0),
    orphaned_at: num(r.orphaned_at),
    orphan_reason: (r.orphan_reason as string) ?? null,
  };
}

export function rowToWorker(r: Record<string, unknown>): Worker {
  return {
    hostname: r.hostname as string,
    status: r.status as Worker['status'],
    freq: Number(r.freq),
    pid: num(r.pid),
    clock: Number(r.clock ?? 0),
    active: Number(r.active ?? 0),
    processed: Number(r.processed ?? 0),
    loadavg: typeof r.loadavg === 'string' ? (JSON.parse(r.loadavg) as number[]) : ((r.loadavg as number[] | null) ?? null),
    sw_ident: (r.sw_ident as string) ?? null,
    sw_ver: (r.sw_ver as string) ?? null,
    sw_sys: (r.sw_sys as string) ?? null,
    last_heartbeat: num(r.last_heartbeat),
    last_event: num(r.last_event),
    online_at: num(r.online_at),
    offline_at: num(r.offline_at),
    first_seen: Number(r.first_seen),
  };
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
