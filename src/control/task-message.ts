import { randomUUID } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import { pyRepr, pyTupleRepr } from './py-repr.js';

/** Options of a task publish, named as Celery's apply_async names them. */
export interface SendOptions {
  queue?: string;
  routing_key?: string;
  exchange?: string;
  /** Seconds from now. */
  countdown?: number;
  /** ISO 8601 time, or epoch seconds. */
  eta?: string | number;
  /** Seconds from now, or an ISO 8601 time. */
  expires?: string | number;
  /** 0..9 (255 on RabbitMQ queues declared with x-max-priority). */
  priority?: number;
  task_id?: string;
  /** Hard / soft time limits in seconds. */
  time_limit?: number;
  soft_time_limit?: number;
  shadow?: string;
  ignore_result?: boolean;
}

export interface TaskMessage {
  id: string;
  name: string;
  exchange: string;
  routingKey: string;
  /** The queue the message lands in (for queue bookkeeping and the task-sent event). */
  queue: string;
  headers: Record<string, unknown>;
  /** JSON text of `[args, kwargs, embed]`. */
  body: string;
  priority: number;
  correlationId: string;
  replyTo: string;
  /** AMQP message TTL in ms, as text (set when `expires` is given, as Celery 5.2 does). */
  expiration?: string;
  /** The task-sent event to publish alongside, so monitors show the task at once. */
  sentEvent: Record<string, unknown>;
}

/**
 * Celery ≤ 5.2 reads an ISO fraction as microseconds, so always write 6 digits and an offset
 * (celery-wire.md §6.1): `2026-11-22T02:20:19.458000+00:00`.
 */
export function celeryIso(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** `now` (epoch ms) is the message's own clock, so a relative time and the expiration agree. */
function toDate(v: string | number, what: string, relative: boolean, now: number): Date {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new AppError('INVALID_PARAMETER', `${what}: not a number`);
    return new Date(relative ? now + v * 1000 : v * 1000);
  }
  const s = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return toDate(Number(s), what, relative, now);
  // Flower's format "%Y-%m-%d %H:%M:%S.%f" (naive, taken as UTC) and ISO 8601 both work.
  const naive = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s);
  let text = naive ? `${s.replace(' ', 'T')}Z` : s;
  text = text.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new AppError('INVALID_PARAMETER', `${what}: not a time: "${v}"`);
  return new Date(ms);
}

export interface BuildInput {
  name: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: SendOptions;
  /** Publisher nodename (origin header, task-sent hostname). */
  origin: string;
  /** Clock value for the task-sent event. */
  clock: number;
  defaultQueue?: string;
}

/** Builds a task protocol 2 message (celery-wire.md §6.1) and its task-sent event. */
export function buildTaskMessage(input: BuildInput): TaskMessage {
  const o = input.options ?? {};
  const args = input.args ?? [];
  const kwargs = input.kwargs ?? {};
  if (!input.name || typeof input.name !== 'string') throw new AppError('INVALID_PARAMETER', 'name: a task name is required');
  if (!Array.isArray(args)) throw new AppError('INVALID_PARAMETER', 'args: must be an array');
  if (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs)) throw new AppError('INVALID_PARAMETER', 'kwargs: must be an object');
  if (o.priority !== undefined && (!Number.isInteger(o.priority) || o.priority < 0 || o.priority > 255)) {
    throw new AppError('INVALID_PARAMETER', 'options.priority: must be an integer from 0 to 255');
  }
  const id = o.task_id ?? randomUUID();
  const now = Date.now();
  let eta: Date | null = null;
  if (o.countdown !== undefined && o.countdown !== null) {
    if (typeof o.countdown !== 'number' || !Number.isFinite(o.countdown)) throw new AppError('INVALID_PARAMETER', 'options.countdown: must be a number of seconds');
    eta = new Date(now + o.countdown * 1000);
  } else if (o.eta !== undefined && o.eta !== null) eta = toDate(o.eta, 'options.eta', false, now);
  let expires: Date | null = null;
  if (o.expires !== undefined && o.expires !== null) expires = toDate(o.expires, 'options.expires', true, now);
  const queue = o.queue ?? (o.exchange ? '' : o.routing_key) ?? input.defaultQueue ?? 'celery';
  const exchange = o.exchange ?? '';
  const routingKey = o.routing_key ?? queue;
  const argsrepr = pyTupleRepr(args);
  const kwargsrepr = pyRepr(kwargs);
  const etaIso = eta ? celeryIso(eta) : null;
  const expiresIso = expires ? celeryIso(expires) : null;
  const headers: Record<string, unknown> = {
    lang: 'py',
    task: input.name,
    id,
    shadow: o.shadow ?? null,
    eta: etaIso,
    expires: expiresIso,
    group: null,
    group_index: null,
    retries: 0,
    timelimit: [o.time_limit ?? null, o.soft_time_limit ?? null],
    root_id: id,
    parent_id: null,
    argsrepr,
    kwargsrepr,
    origin: input.origin,
    ignore_result: o.ignore_result ?? false,
  };
  const body = JSON.stringify([args, kwargs, { callbacks: null, errbacks: null, chain: null, chord: null }]);
  const msg: TaskMessage = {
    id,
    name: input.name,
    exchange,
    routingKey,
    queue: queue || routingKey,
    headers,
    body,
    priority: o.priority ?? 0,
    correlationId: id,
    replyTo: '',
    sentEvent: {
      type: 'task-sent',
      uuid: id,
      root_id: id,
      parent_id: null,
      name: input.name,
      args: argsrepr,
      kwargs: kwargsrepr,
      retries: 0,
      eta: etaIso,
      expires: expiresIso,
      queue: queue || routingKey,
      exchange,
      routing_key: routingKey,
      hostname: input.origin,
      utcoffset: new Date().getTimezoneOffset() / 60,
      pid: process.pid,
      clock: input.clock,
      timestamp: now / 1000,
    },
  };
  if (expires) msg.expiration = String(Math.max(0, expires.getTime() - now));
  return msg;
}
