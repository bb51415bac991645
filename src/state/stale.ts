import { AppError } from '../shared/errors.js';
import type { Task } from './types.js';

/**
 * Stale tasks: received but not started for too long (stuck in a worker's prefetch), or started
 * and still running for too long. Limits are seconds, 0 = never; per-name overrides take globs:
 *
 *   --stale-started-after 3600 --stale-received-after 3600
 *   --stale-limits 'tasks.slow=60,billing.*=600/120'   (started limit / optional received limit)
 *
 * The first matching override wins, so list the specific names before the broad globs.
 */
export interface StaleLimits {
  startedAfter: number;
  receivedAfter: number;
  overrides: StaleOverride[];
}

export interface StaleOverride {
  pattern: string;
  startedAfter: number;
  receivedAfter?: number;
}

export type StaleKind = 'received' | 'started';

export interface StaleInfo {
  kind: StaleKind;
  /** Seconds in that state so far. */
  age: number;
  /** The limit it passed. */
  limit: number;
}

/** Parses `name=started[/received],...`. Throws CONFIG_INVALID naming the bad part. */
export function parseStaleLimits(text: string): StaleOverride[] {
  const out: StaleOverride[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)\s*=\s*(\d+(?:\.\d+)?)(?:\s*\/\s*(\d+(?:\.\d+)?))?$/.exec(part);
    if (!m) {
      throw new AppError('CONFIG_INVALID', `--stale-limits: expected name=seconds or name=started/received, got "${part}"`);
    }
    out.push({ pattern: m[1]!, startedAfter: Number(m[2]), receivedAfter: m[3] === undefined ? undefined : Number(m[3]) });
  }
  return out;
}

function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

/** Resolves the limits of one task name (memoised: the checker asks for every in-flight task). */
export class StaleRules {
  private readonly cache = new Map<string, { startedAfter: number; receivedAfter: number }>();

  constructor(readonly limits: StaleLimits) {}

  limitsFor(name: string | null): { startedAfter: number; receivedAfter: number } {
    const key = name ?? '';
    let r = this.cache.get(key);
    if (r) return r;
    r = { startedAfter: this.limits.startedAfter, receivedAfter: this.limits.receivedAfter };
    for (const o of this.limits.overrides) {
      if (name !== null && globMatch(o.pattern, name)) {
        r = { startedAfter: o.startedAfter, receivedAfter: o.receivedAfter ?? r.receivedAfter };
        break;
      }
    }
    if (this.cache.size > 10000) this.cache.clear();
    this.cache.set(key, r);
    return r;
  }

  /** Is this task stale at `now`? Only RECEIVED and STARTED tasks can be. */
  check(t: Pick<Task, 'name' | 'state' | 'received' | 'started' | 'eta'>, now: number): StaleInfo | null {
    if (t.state === 'STARTED' && t.started != null) {
      const limit = this.limitsFor(t.name).startedAfter;
      const age = now - t.started;
      return limit > 0 && age > limit ? { kind: 'started', age, limit } : null;
    }
    if (t.state === 'RECEIVED' && t.received != null) {
      const limit = this.limitsFor(t.name).receivedAfter;
      // A task with an ETA is not late before its ETA.
      const eta = t.eta ? Date.parse(t.eta) / 1000 : NaN;
      const from = Number.isFinite(eta) && eta > t.received ? eta : t.received;
      const age = now - from;
      return limit > 0 && age > limit ? { kind: 'received', age, limit } : null;
    }
    return null;
  }
}
