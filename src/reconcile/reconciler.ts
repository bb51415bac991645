import type { Logger } from 'pino';
import type { Metrics } from '../metrics/registry.js';
import { describeError } from '../shared/errors.js';
import type { HealthChecker } from '../state/health-checker.js';
import type { LiveState } from '../state/live.js';
import { HELD_STATES, SETTLED_STATES } from '../state/merge.js';
import type { Task } from '../state/types.js';
import { metaToEvent, type TaskMeta } from './result-backend.js';
import type { TaskSource, WorkerHeldTasks } from './task-source.js';

export interface ResultSource {
  getMany(ids: string[]): Promise<Map<string, TaskMeta>>;
}

export interface ReconcileReport {
  checked: number;
  fromBackend: number;
  stillHeld: number;
  unknown: number;
  workersAsked: boolean;
}

export interface ReconcilerDeps {
  state: LiveState;
  health: HealthChecker;
  tasks: TaskSource | null;
  results: ResultSource | null;
  metrics?: Metrics;
  log: Logger;
  /** Milliseconds to wait before looking, so heartbeat-kick replies and fresh events land first. */
  settleMs?: number;
  now?: () => number;
}

/**
 * Settles unfinished tasks after Celeriac was not listening (start-up, broker reconnect): on
 * Redis pub/sub every event sent meanwhile is gone. In order:
 * 1. the result backend (if configured) gives the real final state of tasks that finished;
 * 2. the workers say which tasks they still hold (inspect active/reserved/scheduled);
 * 3. a task a worker held before the gap, that the backend knows nothing of and that its worker
 *    (which answered, or is gone) no longer holds, is marked ORPHANED 'unknown-after-gap'
 *    rather than left STARTED forever. If the workers could not be asked, such tasks are left
 *    alone: the health checker orphans them if their worker turns out lost.
 * Everything is written as derived events through the live model, hence in batches. A later
 * real event still wins (see state/merge.ts).
 */
export class Reconciler {
  private running: Promise<ReconcileReport> | null = null;
  private again = false;
  private readonly now: () => number;

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? (() => Date.now() / 1000);
  }

  useTaskSource(source: TaskSource | null): void {
    this.deps.tasks = source;
  }

  /** Runs once; a call while running schedules one more run after it. */
  run(why: string): Promise<ReconcileReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let report: ReconcileReport;
      do {
        this.again = false;
        report = await this.once(why);
      } while (this.again);
      this.running = null;
      return report;
    })();
    return this.running;
  }

  private async once(why: string): Promise<ReconcileReport> {
    const { state, log } = this.deps;
    if (this.deps.settleMs) await new Promise((r) => setTimeout(r, this.deps.settleMs).unref());
    // The snapshot: what was unfinished as of now, with the state we judged it in.
    const snapshot = new Map<string, { state: string; timestamp: number }>();
    for (const t of state.inflight.values()) snapshot.set(t.uuid, { state: t.state, timestamp: t.timestamp });
    const report: ReconcileReport = { checked: snapshot.size, fromBackend: 0, stillHeld: 0, unknown: 0, workersAsked: false };
    if (snapshot.size === 0) return report;
    const unchanged = (uuid: string): Task | null => {
      const t = state.inflight.get(uuid);
      const s = snapshot.get(uuid);
      return t && s && t.state === s.state && t.timestamp === s.timestamp && !SETTLED_STATES.has(t.state) ? t : null;
    };

    if (this.deps.results) {
      try {
        const metas = await this.deps.results.getMany([...snapshot.keys()]);
        const now = this.now();
        for (const [uuid, meta] of metas) {
          const t = state.inflight.get(uuid);
          if (!t) continue;
          const ev = metaToEvent(t, meta, now);
          if (!ev) continue;
          ev.clock = state.clock;
          state.applyDerived(ev);
          snapshot.delete(uuid);
          report.fromBackend++;
        }
      } catch (err) {
        log.warn({ err: describeError(err) }, 'reconcile: could not read the result backend');
      }
    }

    let held: WorkerHeldTasks | null = null;
    if (this.deps.tasks) {
      try {
        held = await this.deps.tasks.inflightOnWorkers();
      } catch (err) {
        log.warn({ err: describeError(err) }, 'reconcile: could not ask workers for their tasks');
      }
    }
    if (held) {
      report.workersAsked = true;
      const holding = new Set([...held.active, ...held.reserved, ...held.scheduled]);
      const answered = new Set(held.workers ?? []);
      const now = this.now();
      for (const uuid of snapshot.keys()) {
        const t = unchanged(uuid);
        if (!t || !HELD_STATES.has(t.state)) continue;
        if (holding.has(uuid)) {
          report.stillHeld++;
          continue;
        }
        const w = t.worker ? state.workers.get(t.worker) : undefined;
        const workerGone = !w || w.status !== 'online';
        if ((t.worker && answered.has(t.worker)) || workerGone) {
          const after = this.deps.health.orphan(t, 'unknown-after-gap', now);
          if (after.state === 'ORPHANED') {
            report.unknown++;
            this.deps.metrics?.orphanedTasks.inc({ reason: 'unknown-after-gap' });
          }
        }
      }
    }
    this.deps.metrics?.reconciledTasks.inc({ outcome: 'result-backend' }, report.fromBackend);
    this.deps.metrics?.reconciledTasks.inc({ outcome: 'unknown' }, report.unknown);
    log.info({ why, ...report }, 'reconciled unfinished tasks');
    return report;
  }
}
