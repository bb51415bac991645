import type { LiveState } from './live.js';
import { SETTLED_STATES } from './merge.js';
import type { StaleRules, StaleKind } from './stale.js';
import type { Task, Worker } from './types.js';
import { isLost, isPurgeable, viewStatus, type HealthPolicy, type WorkerViewStatus } from './worker-health.js';

export type OrphanReason = 'worker-offline' | 'worker-lost' | 'unknown-after-gap';

export interface HealthSummary {
  workers: Record<WorkerViewStatus, number>;
  stale: Record<StaleKind, number>;
  /** Tasks orphaned by this tick. */
  orphaned: { task: Task; reason: OrphanReason }[];
  lost: string[];
  purged: string[];
}

export interface HealthCheckerOptions {
  policy: HealthPolicy;
  stale: StaleRules;
  /**
   * Seconds between a worker-offline event and orphaning its tasks that had not started, so the
   * task events it published just before saying goodbye are merged first.
   */
  orphanGrace?: number;
  /**
   * Seconds between a worker-offline event and orphaning its STARTED tasks. A warm shutdown
   * sends worker-offline first and then waits for running tasks to finish (their events still
   * arrive); a worker killed during that wait (a pod past its grace period) never finishes them.
   */
  offlineStartedGrace?: number;
  /** Seconds between counts of stale tasks (a pass over the in-flight map). */
  staleEvery?: number;
  now?: () => number;
}

/**
 * The live model's health timer: marks silent workers lost, orphans the unfinished tasks of
 * workers that went offline or lost, drops long-gone workers from the live model, and counts
 * workers by status and stale tasks. `tick(now)` is the whole logic and takes the clock as a
 * parameter, so it is unit-tested without timers; `start()` just calls it every second.
 */
export class HealthChecker {
  /**
   * Hostnames whose tasks are to be orphaned, with the local time from which to count the
   * grace (0 for lost workers and workers the store remembers as gone: no grace).
   */
  private readonly orphanDue = new Map<string, number>();
  /** While not listening to the broker nothing is heard, so nobody can be declared lost. */
  private listening = false;
  private listeningSince = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly grace: number;
  private readonly startedGrace: number;
  private readonly unsubscribe: () => void;
  private staleCountedAt = Number.NEGATIVE_INFINITY;
  private lastStale: Record<StaleKind, number> = { received: 0, started: 0 };
  private readonly staleEvery: number;

  constructor(
    private readonly state: LiveState,
    private readonly opts: HealthCheckerOptions,
  ) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.grace = opts.orphanGrace ?? 2;
    this.staleEvery = opts.staleEvery ?? 5;
    this.startedGrace = Math.max(this.grace, opts.offlineStartedGrace ?? 60);
    // Workers the store remembers as gone may still own unfinished tasks from before.
    for (const w of state.workers.values()) if (w.status !== 'online') this.orphanDue.set(w.hostname, 0);
    this.unsubscribe = state.subscribe({
      worker: (w, ev) => {
        if (ev.type === 'worker-offline') this.orphanDue.set(w.hostname, this.now());
        else if (w.status === 'online') this.orphanDue.delete(w.hostname);
      },
    });
  }

  get policy(): HealthPolicy {
    return this.opts.policy;
  }

  get staleRules(): StaleRules {
    return this.opts.stale;
  }

  /** The broker connection is up (again): silence is measured from now on. */
  listeningFrom(now = this.now()): void {
    this.listening = true;
    this.listeningSince = now;
  }

  /** The broker connection is down: stop declaring workers lost until it is back. */
  notListening(): void {
    this.listening = false;
  }

  /** Options for the pure status functions, as this checker sees the worker. */
  viewOptions(hostname: string): { listeningSince: number; freqKnown: boolean } {
    return { listeningSince: this.listening ? this.listeningSince : Number.POSITIVE_INFINITY, freqKnown: this.state.freqKnown.has(hostname) };
  }

  tick(now = this.now()): HealthSummary {
    const { policy } = this.opts;
    const summary: HealthSummary = {
      workers: { online: 0, idle: 0, offline: 0, lost: 0 },
      stale: { received: 0, started: 0 },
      orphaned: [],
      lost: [],
      purged: [],
    };
    if (this.listening) {
      for (const w of this.state.workers.values()) {
        if (isLost(w, now, policy, this.viewOptions(w.hostname))) {
          this.state.setWorkerStatus(w.hostname, 'lost', now);
          this.orphanDue.set(w.hostname, 0);
          summary.lost.push(w.hostname);
        }
      }
    }
    this.orphanDueTasks(now, summary);

    // Stale tasks need a pass over every in-flight task: not every tick.
    if (now - this.staleCountedAt >= this.staleEvery) {
      this.staleCountedAt = now;
      const stale = { received: 0, started: 0 };
      for (const t of this.state.inflight.values()) {
        const s = this.opts.stale.check(t, now);
        if (s) stale[s.kind]++;
      }
      this.lastStale = stale;
    }
    summary.stale = { ...this.lastStale };
    for (const w of [...this.state.workers.values()]) {
      // idle/online from the worker's own `active` count (its heartbeats), not a task scan
      const status = viewStatus(w, now, policy, this.viewOptions(w.hostname));
      if (status !== 'online' && status !== 'idle' && isPurgeable(w, status, now, policy) && !this.orphanDue.has(w.hostname)) {
        this.state.removeWorker(w.hostname);
        summary.purged.push(w.hostname);
        continue;
      }
      summary.workers[status]++;
    }
    return summary;
  }

  private orphanDueTasks(now: number, summary: HealthSummary): void {
    if (this.orphanDue.size === 0) return;
    // host → [reason, may orphan STARTED tasks too]
    const due = new Map<string, [OrphanReason, boolean]>();
    for (const [host, since] of this.orphanDue) {
      const w: Worker | undefined = this.state.workers.get(host);
      if (!w || w.status === 'online') {
        this.orphanDue.delete(host);
        continue;
      }
      const lost = w.status === 'lost' || since === 0;
      if (!lost && now < since + this.grace) continue;
      const started = lost || now >= since + this.startedGrace;
      if (started) this.orphanDue.delete(host);
      due.set(host, [w.status === 'offline' ? 'worker-offline' : 'worker-lost', started]);
    }
    if (due.size === 0) return;
    const victims: [Task, OrphanReason][] = [];
    const stillRunning = new Set<string>();
    for (const t of this.state.inflight.values()) {
      const d = t.worker ? due.get(t.worker) : undefined;
      if (!d || SETTLED_STATES.has(t.state) || t.state === 'PENDING') continue;
      if (t.state === 'STARTED' && !d[1]) {
        stillRunning.add(t.worker!);
        continue;
      }
      victims.push([t, d[0]]);
    }
    // Nothing left running on a worker in warm shutdown: nothing more to wait for.
    for (const host of due.keys()) if (!stillRunning.has(host)) this.orphanDue.delete(host);
    for (const [t, reason] of victims) {
      const task = this.orphan(t, reason, now);
      if (task.state === 'ORPHANED') summary.orphaned.push({ task, reason });
    }
  }

  /** Marks one in-flight task orphaned (through the live model, so it is persisted in batch). */
  orphan(t: Task, reason: OrphanReason, now = this.now()): Task {
    return this.state.applyDerived({
      type: 'task-orphaned',
      uuid: t.uuid,
      hostname: t.worker ?? 'celeriac',
      timestamp: Math.max(now, t.timestamp),
      clock: this.state.clock,
      derived: reason,
    });
  }

  start(intervalSeconds: number, onTick: (s: HealthSummary) => void): void {
    this.timer = setInterval(() => onTick(this.tick()), intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe();
  }
}
