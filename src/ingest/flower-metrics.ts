import type { Metrics } from '../metrics/registry.js';
import type { CeleryEvent, Task } from '../state/types.js';

/** Per (worker, task name): the gauges' net change and the runtime observations. */
interface PerTask {
  worker: string;
  task: string;
  prefetchedDelta: number;
  prefetchedTouched: boolean;
  /** The last value set (last set wins, as with direct gauge updates). */
  prefetchTime: number | null;
  runtimes: number[];
  /** Events counted per type: Celery's task event types by index (TYPES), others by name. */
  counts: number[];
  /** The types in the order they were first seen (the order they reach prom-client): an index into `counts`, or a custom type's name. */
  seen: (number | string)[];
  custom: Map<string, number> | null;
}

/** Task event types counted in an array (a Map update per event cost two hash lookups). */
const TYPES = ['task-sent', 'task-received', 'task-started', 'task-succeeded', 'task-failed', 'task-retried', 'task-revoked', 'task-rejected'];
const CUSTOM = -1;

function typeIndex(type: string): number {
  switch (type) {
    case 'task-sent':
      return 0;
    case 'task-received':
      return 1;
    case 'task-started':
      return 2;
    case 'task-succeeded':
      return 3;
    case 'task-failed':
      return 4;
    case 'task-retried':
      return 5;
    case 'task-revoked':
      return 6;
    case 'task-rejected':
      return 7;
    default:
      return CUSTOM;
  }
}

/** Runtime observations held between scrapes at most; beyond it they are handed over early. */
const MAX_PENDING_RUNTIMES = 50000;

/**
 * Keeps Flower's six Prometheus metrics, with Flower's update rules (flower/events.py).
 * Task events are counted in a local map keyed by plain strings and handed to prom-client when
 * the registry is read (its `collect` hook): prom-client hashes the label object on every call,
 * which cost more than the rest of the receive path at tens of thousands of events a second.
 */
export class FlowerMetrics {
  /** worker → task name → counts (nested maps: no key strings built per event). */
  private perTask = new Map<string, Map<string, PerTask>>();
  private pendingRuntimes = 0;
  private lastWorker: string | null = null;
  private lastByTask: Map<string, PerTask> | undefined = undefined;

  constructor(private readonly m: Metrics) {
    const flush = () => this.flush();
    for (const metric of [m.flowerEvents, m.flowerRuntime, m.flowerPrefetchTime, m.flowerPrefetched]) {
      (metric as unknown as { collect?: () => void }).collect = flush;
    }
  }

  private entry(worker: string, type: string, task: string): PerTask {
    // Events of one worker often come in a row (task.multi batches).
    let byTask: Map<string, PerTask> | undefined = this.lastByTask;
    if (worker !== this.lastWorker) {
      byTask = this.perTask.get(worker);
      if (!byTask) {
        byTask = new Map();
        this.perTask.set(worker, byTask);
      }
      this.lastWorker = worker;
      this.lastByTask = byTask;
    }
    let p = byTask!.get(task);
    if (!p) {
      p = {
        worker, task, prefetchedDelta: 0, prefetchedTouched: false, prefetchTime: null, runtimes: [],
        counts: [0, 0, 0, 0, 0, 0, 0, 0], seen: [], custom: null,
      };
      byTask!.set(task, p);
    }
    const i = typeIndex(type);
    if (i === CUSTOM) {
      const custom = (p.custom ??= new Map());
      const n = custom.get(type);
      if (n === undefined) p.seen.push(type);
      custom.set(type, (n ?? 0) + 1);
    } else if (p.counts[i]!++ === 0) p.seen.push(i);
    return p;
  }

  observe(ev: CeleryEvent, task: Task | null): void {
    const worker = ev.hostname;
    if (task) {
      const name = task.name ?? '';
      const p = this.entry(worker, ev.type, name);
      switch (ev.type) {
        case 'task-received':
          if (!task.eta) {
            p.prefetchedDelta++;
            p.prefetchedTouched = true;
          }
          break;
        case 'task-started':
          if (!task.eta && task.received != null && task.started != null) {
            p.prefetchTime = Math.max(0, task.started - task.received);
            p.prefetchedDelta--;
            p.prefetchedTouched = true;
          }
          break;
        case 'task-succeeded':
        case 'task-failed':
          if (typeof ev.runtime === 'number') {
            p.runtimes.push(ev.runtime);
            if (++this.pendingRuntimes > MAX_PENDING_RUNTIMES) this.flush();
          }
          p.prefetchTime = 0;
          break;
      }
      return;
    }
    if (ev.type === 'worker-offline') {
      this.m.flowerWorkerOnline.set({ worker }, 0);
    } else {
      this.m.flowerWorkerOnline.set({ worker }, 1);
      if (ev.type === 'worker-heartbeat' && typeof ev.active === 'number') {
        this.m.flowerWorkerExecuting.set({ worker }, ev.active);
      }
    }
  }

  /** Hands the counts gathered since the last call to prom-client. */
  flush(): void {
    if (this.perTask.size === 0) return;
    const m = this.m;
    for (const byTask of this.perTask.values()) {
      for (const p of byTask.values()) {
        for (const x of p.seen) {
          const type = typeof x === 'number' ? TYPES[x]! : x;
          const n = typeof x === 'number' ? p.counts[x]! : p.custom!.get(x)!;
          m.flowerEvents.inc({ worker: p.worker, type, task: p.task }, n);
        }
        const wt = { worker: p.worker, task: p.task };
        if (p.prefetchedDelta > 0) m.flowerPrefetched.inc(wt, p.prefetchedDelta);
        else if (p.prefetchedDelta < 0) m.flowerPrefetched.dec(wt, -p.prefetchedDelta);
        else if (p.prefetchedTouched) m.flowerPrefetched.inc(wt, 0);
        if (p.prefetchTime !== null) m.flowerPrefetchTime.set(wt, p.prefetchTime);
        for (const r of p.runtimes) m.flowerRuntime.observe(wt, r);
      }
    }
    this.perTask.clear();
    this.lastWorker = null;
    this.lastByTask = undefined;
    this.pendingRuntimes = 0;
  }
}
