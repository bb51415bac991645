import { applyTaskEvent, emptyTask, isSettled, SETTLED_STATES } from './merge.js';
import type { CeleryEvent, Task, Worker } from './types.js';

export interface LiveStateOptions {
  /** How many recently finished tasks to remember, so that late events merge correctly. */
  finishedCacheSize: number;
  /** Shortens long text fields (args, result, traceback ...). */
  cut?: (s: string) => string;
  now?: () => number;
}

export interface LiveListener {
  task?(task: Task, ev: CeleryEvent): void;
  worker?(worker: Worker, ev: CeleryEvent): void;
  /**
   * An event Celeriac made itself (a task orphaned, a final state read after a gap). It has
   * already been applied (and passed to `task`); the ingest pipeline persists it.
   */
  derived?(ev: CeleryEvent, task: Task): void;
  /** A long-gone worker left the live model (it stays in the store). */
  workerRemoved?(worker: Worker): void;
}

/**
 * The live model: every known worker and every unfinished task, in memory. Finished tasks
 * leave it (history lives in the store) but a bounded set of them is remembered so that an
 * event arriving after the terminal one does not resurrect the task as in flight.
 */
export class LiveState {
  readonly workers = new Map<string, Worker>();
  readonly inflight = new Map<string, Task>();
  /**
   * Workers whose `freq` came from their own heartbeat (or the store), not a default: until
   * then the health checker assumes a long period, so a worker first seen through a task
   * event or the heartbeat kick is not declared lost before its first real heartbeat.
   */
  readonly freqKnown = new Set<string>();
  private readonly finished = new Map<string, Task>();
  private readonly finishedRing: (Task | undefined)[] = [];
  private finishedHead = 0;
  /** The worker the last task event came from (events of one worker often come in a row). */
  private lastWorker: Worker | null = null;
  private lastWorkersSize = 0;
  private listeners: LiveListener[] = [];
  /** Celeriac's own Lamport clock (celery-wire.md §4.4). */
  clock = 0;
  private readonly cut: (s: string) => string;
  private readonly now: () => number;

  constructor(private readonly opts: LiveStateOptions) {
    this.cut = opts.cut ?? ((s) => s);
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  subscribe(l: LiveListener): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  /** Seeds the in-flight map (at start-up, from the store's unfinished tasks). */
  seed(tasks: Iterable<Task>): void {
    for (const t of tasks) if (!SETTLED_STATES.has(t.state)) this.inflight.set(t.uuid, t);
  }

  seedWorkers(workers: Iterable<Worker>): void {
    this.lastWorker = null;
    for (const w of workers) {
      this.workers.set(w.hostname, w);
      this.freqKnown.add(w.hostname);
    }
  }

  /** Applies one decoded event. Returns the task it touched, if it was a task event. */
  apply(ev: CeleryEvent): Task | null {
    const c = ev.clock;
    // task-sent comes from clients that never sync their clocks: it does not move ours.
    if (typeof c === 'number' && ev.type !== 'task-sent') this.clock = (c > this.clock ? c : this.clock) + 1;
    if (ev.type.charCodeAt(0) === 119 /* w */) {
      this.applyWorker(ev);
      return null;
    }
    const task = this.applyTask(ev);
    if (ev.type !== 'task-sent') this.touchWorker(ev);
    return task;
  }

  private applyTask(ev: CeleryEvent): Task {
    const uuid = ev.uuid!;
    let task = this.inflight.get(uuid);
    // Where the task was before this event: 0 in flight, 1 finished (remembered), 2 new.
    let was = 0;
    if (!task) {
      task = this.finished.get(uuid);
      if (task) was = 1;
      else {
        task = emptyTask(uuid, ev.timestamp);
        was = 2;
      }
    }
    applyTaskEvent(task, ev, this.cut);
    if (isSettled(task.state)) {
      if (was !== 1) {
        if (was === 0) this.inflight.delete(uuid);
        this.rememberFinished(task);
      }
    } else if (was !== 0) {
      // (A task already in flight stays where it is: setting it again changes nothing.)
      if (was === 1) this.finished.delete(uuid);
      this.inflight.set(uuid, task);
    }
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]!.task?.(task, ev);
    return task;
  }

  /**
   * The tasks of the live model (in flight, and the finished ones remembered) whose state
   * dates from `since` (seconds) or later.
   */
  *changedSince(since: number): Generator<Task> {
    for (const t of this.inflight.values()) if (t.timestamp >= since) yield t;
    for (const t of this.finished.values()) if (t.timestamp >= since) yield t;
  }

  private rememberFinished(task: Task): void {
    const max = this.opts.finishedCacheSize;
    if (max <= 0) return;
    // Evict in order through a ring of the remembered tasks. (Not `finished.keys().next()`:
    // V8 leaves deleted Map entries as holes at the front, so that walk costs 7–50 µs per
    // event at these sizes; the ring costs well under 1 µs.)
    const old = this.finishedRing[this.finishedHead];
    if (old !== undefined && this.finished.get(old.uuid) === old) this.finished.delete(old.uuid);
    this.finishedRing[this.finishedHead] = task;
    this.finishedHead = this.finishedHead + 1 === max ? 0 : this.finishedHead + 1;
    this.finished.set(task.uuid, task);
  }

  /**
   * Applies an event Celeriac made itself (see CeleryEvent.derived): merges it like any task
   * event, but it proves nothing about a worker being alive. Listeners' `derived` persist it.
   */
  applyDerived(ev: CeleryEvent): Task {
    const task = this.applyTask(ev);
    for (const l of this.listeners) l.derived?.(ev, task);
    return task;
  }

  /**
   * Changes a worker's status without an event from it (lost: heartbeats stopped). Listeners
   * get a synthetic `worker-<status>` event so the change reaches the store and live clients.
   */
  setWorkerStatus(hostname: string, status: Worker['status'], now: number): Worker | null {
    const w = this.workers.get(hostname);
    if (!w || w.status === status) return w ?? null;
    w.status = status;
    if (status !== 'online') {
      w.offline_at = now;
      w.active = 0;
    }
    const ev: CeleryEvent = { type: `worker-${status}`, hostname, timestamp: now, derived: `worker-${status}` };
    for (const l of this.listeners) l.worker?.(w, ev);
    return w;
  }

  /** Removes a worker from the live model (purged after being gone long enough). */
  removeWorker(hostname: string): void {
    const w = this.workers.get(hostname);
    if (!w) return;
    this.workers.delete(hostname);
    if (this.lastWorker === w) this.lastWorker = null;
    this.freqKnown.delete(hostname);
    for (const l of this.listeners) l.workerRemoved?.(w);
  }

  /** Drops tasks from the in-flight map (e.g. the store says they finished meanwhile). */
  forget(uuid: string): void {
    this.inflight.delete(uuid);
  }

  private getWorker(hostname: string, ts: number): Worker {
    const last = this.lastWorker;
    // (The size check notices a worker deleted from the map by someone else.)
    if (last !== null && last.hostname === hostname && this.workers.size === this.lastWorkersSize) return last;
    let w = this.workers.get(hostname);
    if (!w) {
      w = {
        hostname, status: 'online', freq: 2, pid: null, clock: 0, active: 0, processed: 0, loadavg: null,
        sw_ident: null, sw_ver: null, sw_sys: null, last_heartbeat: null, last_event: null,
        online_at: null, offline_at: null, first_seen: ts,
      };
      this.workers.set(hostname, w);
    }
    this.lastWorker = w;
    this.lastWorkersSize = this.workers.size;
    return w;
  }

  private applyWorker(ev: CeleryEvent): void {
    const w = this.getWorker(ev.hostname, ev.timestamp);
    const now = this.now();
    if (typeof ev.pid === 'number') w.pid = ev.pid;
    if (typeof ev.clock === 'number') w.clock = ev.clock;
    if (typeof ev.sw_ident === 'string') w.sw_ident = ev.sw_ident;
    if (typeof ev.sw_ver === 'string') w.sw_ver = ev.sw_ver;
    if (typeof ev.sw_sys === 'string') w.sw_sys = ev.sw_sys;
    w.last_event = ev.timestamp;
    if (ev.type === 'worker-offline') {
      w.status = 'offline';
      w.offline_at = ev.timestamp;
      w.active = 0;
    } else {
      // The reply to a `heartbeat` broadcast carries freq 5 and no counters (celery-wire.md §4.2).
      const isKick = ev.active === undefined && ev.processed === undefined;
      if (typeof ev.freq === 'number' && ev.freq > 0 && !isKick) {
        w.freq = ev.freq;
        this.freqKnown.add(w.hostname);
      }
      if (typeof ev.active === 'number') w.active = ev.active;
      if (typeof ev.processed === 'number') w.processed = ev.processed;
      if (Array.isArray(ev.loadavg)) w.loadavg = ev.loadavg;
      if (ev.type === 'worker-online' || (w.status !== 'online' && !sentBeforeGoodbye(w, ev))) {
        w.online_at = ev.timestamp;
        w.status = 'online';
      }
      w.last_heartbeat = now;
    }
    for (const l of this.listeners) l.worker?.(w, ev);
  }

  /** Task events prove their worker is alive, like heartbeats (as Celery's state does). */
  private touchWorker(ev: CeleryEvent): void {
    const w = this.getWorker(ev.hostname, ev.timestamp);
    w.last_heartbeat = this.now();
    w.last_event = ev.timestamp;
    // A worker in warm shutdown has said goodbye but still finishes its running tasks: their
    // events do not bring it back online. A lost worker's events do: they prove it is alive.
    if (w.status === 'lost') {
      w.status = 'online';
      w.online_at = ev.timestamp;
    }
  }
}

/**
 * A heartbeat the worker sent before its worker-offline (delivered late) does not bring it back
 * online. Both timestamps are on the worker's own clock.
 */
function sentBeforeGoodbye(w: Worker, ev: CeleryEvent): boolean {
  return w.status === 'offline' && w.offline_at != null && ev.timestamp <= w.offline_at;
}
