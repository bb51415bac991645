import { exceptionType } from '../../state/merge.js';
import type { CeleryEvent, Task } from '../../state/types.js';

/** Runtime samples kept per bucket (reservoir sampling keeps them representative). */
const SAMPLES = 128;
/** Distinct task names / exception types counted per bucket; the rest fall under OTHER. */
const MAX_KEYS = 100;
export const OTHER = '(other)';

interface Bucket {
  t: number;
  received: number;
  succeeded: number;
  failed: number;
  retried: number;
  runtimes: number[];
  seen: number;
  failedByName: Map<string, number>;
  finishedByName: Map<string, number>;
  byException: Map<string, { count: number; last: number; example: string; names: Map<string, number> }>;
}

const newBucket = (t: number): Bucket => ({
  t, received: 0, succeeded: 0, failed: 0, retried: 0, runtimes: [], seen: 0,
  failedByName: new Map(), finishedByName: new Map(), byException: new Map(),
});

function bump(m: Map<string, number>, k: string): void {
  const n = m.get(k);
  if (n !== undefined) m.set(k, n + 1);
  else if (m.size < MAX_KEYS) m.set(k, 1);
  else m.set(OTHER, (m.get(OTHER) ?? 0) + 1);
}

/** A fixed ring of time buckets of `step` seconds; old buckets are reused, so memory is flat. */
class Ring {
  private readonly buckets: (Bucket | null)[];
  constructor(readonly step: number, readonly size: number) {
    this.buckets = new Array<Bucket | null>(size).fill(null);
  }

  at(ts: number): Bucket {
    const t = Math.floor(ts / this.step) * this.step;
    const i = Math.floor(t / this.step) % this.size;
    let b = this.buckets[i];
    if (!b || b.t !== t) {
      b = newBucket(t);
      this.buckets[i] = b;
    }
    return b;
  }

  /** Buckets from `from` to `to` (epoch s), oldest first, with empty ones filled in. */
  range(from: number, to: number): Bucket[] {
    const out: Bucket[] = [];
    const start = Math.floor(from / this.step) * this.step;
    for (let t = start; t <= to; t += this.step) {
      const b = this.buckets[Math.floor(t / this.step) % this.size];
      out.push(b && b.t === t ? b : newBucket(t));
    }
    return out;
  }
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Throughput, failure rate, runtime percentiles and failures by name and exception, counted
 * in memory as events arrive (O(1) per event, a few hundred KB in all), in 10 s buckets for
 * the last hour and 5 min buckets for the last day. It covers the time since the process
 * started; older history is in the store and reached through the task list.
 */
export class TaskTimeseries {
  private readonly fine = new Ring(10, 360);
  private readonly coarse = new Ring(300, 288);
  readonly startedAt: number;

  constructor(private readonly now: () => number = () => Date.now() / 1000) {
    this.startedAt = now();
  }

  observe(task: Task, ev: CeleryEvent): void {
    const type = ev.type;
    if (type !== 'task-received' && type !== 'task-succeeded' && type !== 'task-failed' && type !== 'task-retried') return;
    const ts = this.now();
    this.add(this.fine.at(ts), task, type, ts);
    this.add(this.coarse.at(ts), task, type, ts);
  }

  private add(b: Bucket, task: Task, type: string, ts: number): void {
    const name = task.name ?? '(unknown)';
    if (type === 'task-received') b.received++;
    else if (type === 'task-retried') b.retried++;
    else {
      bump(b.finishedByName, name);
      if (type === 'task-succeeded') {
        b.succeeded++;
        if (task.runtime != null) {
          b.seen++;
          if (b.runtimes.length < SAMPLES) b.runtimes.push(task.runtime);
          else {
            const j = Math.floor(Math.random() * b.seen);
            if (j < SAMPLES) b.runtimes[j] = task.runtime;
          }
        }
      } else {
        b.failed++;
        bump(b.failedByName, name);
        let key = exceptionType(task.exception) ?? '(unknown)';
        if (!b.byException.has(key) && b.byException.size >= MAX_KEYS) key = OTHER;
        let g = b.byException.get(key);
        if (!g) {
          g = { count: 0, last: ts, example: task.uuid, names: new Map() };
          b.byException.set(key, g);
        }
        g.count++;
        g.last = ts;
        g.example = task.uuid;
        bump(g.names, name);
      }
    }
  }

  private buckets(window: number): { step: number; buckets: Bucket[] } {
    const now = this.now();
    const ring = window <= 3600 ? this.fine : this.coarse;
    return { step: ring.step, buckets: ring.range(now - window, now) };
  }

  /** Per-bucket series for charts, plus totals and runtime percentiles over the window. */
  series(window: number) {
    const { step, buckets } = this.buckets(window);
    const all: number[] = [];
    const points = buckets.map((b) => {
      const s = [...b.runtimes].sort((x, y) => x - y);
      for (const r of s) all.push(r);
      return {
        t: b.t, received: b.received, succeeded: b.succeeded, failed: b.failed, retried: b.retried,
        p50: percentile(s, 0.5), p95: percentile(s, 0.95), p99: percentile(s, 0.99),
      };
    });
    all.sort((x, y) => x - y);
    const sum = (k: 'received' | 'succeeded' | 'failed' | 'retried') => points.reduce((a, p) => a + p[k], 0);
    const failedByName = new Map<string, number>();
    const finishedByName = new Map<string, number>();
    for (const b of buckets) {
      for (const [k, v] of b.failedByName) failedByName.set(k, (failedByName.get(k) ?? 0) + v);
      for (const [k, v] of b.finishedByName) finishedByName.set(k, (finishedByName.get(k) ?? 0) + v);
    }
    const topFailing = [...failedByName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([name, failures]) => ({ name, failures, finished: finishedByName.get(name) ?? failures }));
    return {
      step, window, since: this.startedAt, points,
      totals: { received: sum('received'), succeeded: sum('succeeded'), failed: sum('failed'), retried: sum('retried') },
      runtime: { p50: percentile(all, 0.5), p95: percentile(all, 0.95), p99: percentile(all, 0.99), samples: all.length },
      top_failing: topFailing,
    };
  }

  /** Failures over the window grouped by exception type, largest group first. */
  failures(window: number) {
    const { buckets } = this.buckets(window);
    const groups = new Map<string, { count: number; last: number; example: string; names: Map<string, number> }>();
    for (const b of buckets) {
      for (const [k, g] of b.byException) {
        let a = groups.get(k);
        if (!a) {
          a = { count: 0, last: 0, example: g.example, names: new Map() };
          groups.set(k, a);
        }
        a.count += g.count;
        if (g.last >= a.last) {
          a.last = g.last;
          a.example = g.example;
        }
        for (const [n, c] of g.names) a.names.set(n, (a.names.get(n) ?? 0) + c);
      }
    }
    return {
      window, since: this.startedAt,
      items: [...groups]
        .sort((a, b) => b[1].count - a[1].count)
        .map(([exception_type, g]) => ({
          exception_type, count: g.count, last_seen: g.last, example_uuid: g.example,
          names: [...g.names].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([name, count]) => ({ name, count })),
        })),
    };
  }
}
