import { Redis } from 'ioredis';
import { parseRedisUrl } from '../broker/redis-url.js';
import { maskUrl } from '../config/config.js';
import { AppError, describeError } from '../shared/errors.js';
import type { CeleryEvent, Task } from '../state/types.js';
import { pyRepr } from '../control/py-repr.js';

/** What Celery's Redis result backend stores under `celery-task-meta-<id>` (JSON). */
export interface TaskMeta {
  status: string;
  result?: unknown;
  traceback?: string | null;
  date_done?: string | null;
  task_id?: string;
}

const KEY_PREFIX = 'celery-task-meta-';
const CHUNK = 500;

/** Reads final task states from Celery's Redis result backend (read-only: GET/MGET only). */
export class RedisResultBackend {
  private readonly redis: Redis;
  readonly displayUrl: string;

  constructor(url: string) {
    let target;
    try {
      target = parseRedisUrl(url);
    } catch {
      throw new AppError('CONFIG_INVALID', `--result-backend: not a valid Redis URL: "${maskUrl(url)}"`);
    }
    this.displayUrl = maskUrl(url);
    this.redis = new Redis({ ...target.options, lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1, connectionName: 'celeriac-results' });
    this.redis.on('error', () => {
      // reported by the failing call
    });
  }

  /** The stored metas of these task ids (missing keys are left out). */
  async getMany(ids: string[]): Promise<Map<string, TaskMeta>> {
    const out = new Map<string, TaskMeta>();
    if (ids.length === 0) return out;
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const values = await this.redis.mget(...chunk.map((id) => KEY_PREFIX + id));
        values.forEach((v, j) => {
          if (v === null) return;
          try {
            const meta = JSON.parse(v) as TaskMeta;
            if (meta && typeof meta.status === 'string') out.set(chunk[j]!, meta);
          } catch {
            // not JSON (pickle backend?): unreadable, treated as missing
          }
        });
      }
    } catch (err) {
      throw new AppError('BROKER_UNAVAILABLE', `cannot read result backend ${this.displayUrl}: ${describeError(err)}`, { cause: err });
    }
    return out;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** Celery 5.2 writes `date_done` as naive UTC ISO (`2026-11-22T04:30:00.123456`); newer adds an offset. */
export function parseDateDone(s: string | null | undefined): number | null {
  if (!s) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s.trim());
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4] && m[4] !== 'Z' ? m[4] : 'Z'}`);
  if (Number.isNaN(ms)) return null;
  return ms / 1000 + (m[3] ? Number(`0.${m[3]}`) : 0);
}

/**
 * The task event a final result stands for, marked as derived from the result backend.
 * Only final states count: a STARTED/RETRY/PENDING meta says nothing new.
 */
export function metaToEvent(t: Pick<Task, 'uuid' | 'worker' | 'timestamp'>, meta: TaskMeta, now: number): CeleryEvent | null {
  const ts = parseDateDone(meta.date_done) ?? now;
  const base = { uuid: t.uuid, hostname: t.worker ?? 'celeriac', timestamp: ts, derived: 'result-backend' };
  switch (meta.status) {
    case 'SUCCESS':
      return { ...base, type: 'task-succeeded', result: pyRepr(meta.result) };
    case 'FAILURE':
      return { ...base, type: 'task-failed', exception: exceptionRepr(meta.result), traceback: meta.traceback ?? null };
    case 'REVOKED':
      return { ...base, type: 'task-revoked', terminated: null, signum: null, expired: null };
    default:
      return null;
  }
}

/** `{"exc_type": "ValueError", "exc_message": ["boom"]}` → `ValueError('boom')`, as events show it. */
function exceptionRepr(result: unknown): string {
  if (result && typeof result === 'object' && 'exc_type' in result) {
    const r = result as { exc_type?: unknown; exc_message?: unknown };
    const args = Array.isArray(r.exc_message) ? r.exc_message : r.exc_message === undefined ? [] : [r.exc_message];
    return `${String(r.exc_type)}(${args.map(pyRepr).join(', ')})`;
  }
  return pyRepr(result);
}
