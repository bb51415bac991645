import type { LiveState } from '../../state/live.js';
import type { Task, Worker } from '../../state/types.js';
import { taskView, workerView } from '../serialize.js';
import type { TaskMatcher } from './matcher.js';
import { liveTaskRow } from './views.js';

/**
 * How far back (task event time, seconds) a new subscription is sent the live model's changes:
 * well past the store's lag behind it (a write batch: --flush-interval, 250 ms, plus the write).
 */
export const CATCH_UP_SECONDS = 10;

export interface LiveHubOptions {
  /** How often changes are sent, in ms. @defaultValue 200 */
  intervalMs?: number;
  /** Tasks per subscription per message at most (the newest changes win). @defaultValue 200 */
  maxTasksPerMessage?: number;
  /** A client whose socket buffer holds more than this is skipped and told to resync. @defaultValue 4 MiB */
  maxBufferedBytes?: number;
  /** Changed tasks remembered between two ticks at most; beyond it every client resyncs. @defaultValue 50000 */
  maxPendingTasks?: number;
  /** A worker as clients see it (health status); the API's GET /workers view. @defaultValue workerView */
  viewWorker?: (w: Worker, now: number) => unknown;
}

/**
 * The socket side of one client, as the hub needs it (a `ws` WebSocket fits). An update is
 * UTF-8 JSON in a Buffer, sent as a text frame (`binary: false`); the same Buffer may go to
 * many sockets.
 */
export interface LiveSink {
  send(data: Buffer, options: { binary: boolean }): void;
  readonly bufferedAmount: number;
}

interface Subscription {
  match: TaskMatcher;
  /** Full task views (detail page) instead of list rows. */
  full: boolean;
  /** What it matches, as text: subscriptions with the same key see the same tasks. */
  key: string;
}

let uniqueKeys = 0;

/** One connected dashboard: its subscriptions and whether it missed a message. */
export class LiveClient {
  readonly subs = new Map<string, Subscription>();
  workers = true;
  missed = false;
  constructor(readonly sink: LiveSink) {}

  /**
   * `key` describes the filter (e.g. its parameters, canonically ordered): clients whose
   * subscriptions all have the same ids and keys get one message built once per tick. Without
   * it the subscription is taken as unlike any other.
   */
  subscribe(id: string, match: TaskMatcher, full = false, key = `#${++uniqueKeys}`): void {
    this.subs.set(id, { match, full, key: full ? `${key}|full` : key });
  }

  unsubscribe(id: string): void {
    this.subs.delete(id);
  }
}

/**
 * Fans live-model changes out to dashboard sockets. Listeners on LiveState only record which
 * tasks and workers changed (a map insert per event); every `intervalMs` the hub serialises
 * each changed task at most once (per view) and reuses that string for every client whose
 * filter matches, so the cost per event does not grow with the number of sockets. A client
 * that cannot keep up (socket buffer full) is skipped, not queued for, and its next message
 * says `resync: true` so it refetches from the REST API.
 *
 * Each tick with changes gets a sequence number. A reconnecting client passes the last one it
 * saw; if nothing happened since, it need not refetch.
 */
export class LiveHub {
  seq = 0;
  private changedTasks = new Map<string, Task>();
  private changedWorkers = new Map<string, Worker>();
  private overflow = false;
  /** Something changed while no client was connected: the sequence must still move. */
  private unseen = false;
  private readonly clients = new Set<LiveClient>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly intervalMs: number;
  private readonly maxTasks: number;
  private readonly maxBuffered: number;
  private readonly maxPending: number;
  private readonly viewWorker: (w: Worker, now: number) => unknown;
  /** Messages sent and clients skipped for back-pressure, for tests and metrics. */
  readonly counters = { messages: 0, skipped: 0, ticks: 0 };

  constructor(private readonly state: LiveState, opts: LiveHubOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 200;
    this.maxTasks = opts.maxTasksPerMessage ?? 200;
    this.maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.maxPending = opts.maxPendingTasks ?? 50000;
    this.viewWorker = opts.viewWorker ?? ((w, now) => workerView(w, now));
  }

  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.state.subscribe({
      task: (t) => {
        // No clients, no bookkeeping: the ingest hot path pays one size check and a flag.
        if (this.clients.size === 0) {
          this.unseen = true;
          return;
        }
        if (this.changedTasks.size >= this.maxPending && !this.changedTasks.has(t.uuid)) {
          this.overflow = true;
          return;
        }
        // Re-inserting moves a task to the end, so iteration order is "most recently changed last".
        this.changedTasks.delete(t.uuid);
        this.changedTasks.set(t.uuid, t);
      },
      worker: (w) => {
        if (this.clients.size > 0) this.changedWorkers.set(w.hostname, w);
        else this.unseen = true;
      },
    });
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.clients.clear();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  addClient(sink: LiveSink): LiveClient {
    const c = new LiveClient(sink);
    this.clients.add(c);
    return c;
  }

  removeClient(c: LiveClient): void {
    this.clients.delete(c);
    if (this.clients.size === 0) {
      this.changedTasks.clear();
      this.changedWorkers.clear();
    }
  }

  /**
   * Sends a new subscription what it may have missed: a page reads its first rows from the
   * REST API, that is from the store, which lags the live model by a write batch (and events
   * are not even recorded while no socket is open, e.g. during a page load). The tasks of the
   * live model that match and changed within the last CATCH_UP_SECONDS go to this client at
   * once (the newest maxTasksPerMessage), as an update like any other.
   */
  catchUp(c: LiveClient, id: string, now = Date.now() / 1000): void {
    const sub = c.subs.get(id);
    if (!sub) return;
    const matched: Task[] = [];
    for (const t of this.state.changedSince(now - CATCH_UP_SECONDS)) if (sub.match(t)) matched.push(t);
    if (matched.length === 0) return;
    matched.sort((a, b) => a.timestamp - b.timestamp);
    const sent = matched.length > this.maxTasks ? matched.slice(matched.length - this.maxTasks) : matched;
    const view = sub.full ? taskView : liveTaskRow;
    try {
      const msg = `{"type":"update","seq":${this.seq},"subs":{${JSON.stringify(id)}:[${sent.map((t) => JSON.stringify(view(t))).join(',')}]}}`;
      c.sink.send(Buffer.from(msg), { binary: false });
      this.counters.messages++;
    } catch {
      c.missed = true;
    }
  }

  /** Sends one coalesced message to each client that has something to see. */
  tick(now = Date.now() / 1000): void {
    const overflow = this.overflow;
    if (this.changedTasks.size === 0 && this.changedWorkers.size === 0 && !overflow) {
      // Changes nobody saw still count, so a client reconnecting with an older `since` refetches.
      if (this.unseen) this.seq++;
      this.unseen = false;
      return;
    }
    this.unseen = false;
    const tasks = [...this.changedTasks.values()];
    const workers = [...this.changedWorkers.values()];
    this.changedTasks.clear();
    this.changedWorkers.clear();
    this.overflow = false;
    const seq = ++this.seq;
    this.counters.ticks++;

    const rows = new Map<Task, string>();
    const fulls = new Map<Task, string>();
    const rowJson = (t: Task) => cached(rows, t, () => JSON.stringify(liveTaskRow(t)));
    const fullJson = (t: Task) => cached(fulls, t, () => JSON.stringify(taskView(t)));
    const workersJson = workers.length ? `[${workers.map((w) => JSON.stringify(this.viewWorker(w, now))).join(',')}]` : '';

    // Clients that see the same thing (same subscription ids and filters, same worker and
    // resync flags: a dashboard's default view opened many times) share one message, built and
    // encoded once, so a tick costs per distinct view, not per socket.
    const built = new Map<string, Buffer | null>();
    for (const c of this.clients) {
      if (c.sink.bufferedAmount > this.maxBuffered) {
        c.missed = true;
        this.counters.skipped++;
        continue;
      }
      const resync = c.missed || overflow;
      const withWorkers = c.workers && workersJson !== '';
      let view = `${withWorkers ? 'w' : '-'}${resync ? 'r' : '-'}`;
      // (length-prefixed: a client-chosen id cannot make its view read as another's)
      for (const [id, sub] of c.subs) view += `${id.length}:${id}${sub.key.length}:${sub.key}`;
      let msg = built.get(view);
      if (msg === undefined) {
        msg = this.message(c, tasks, seq, resync, withWorkers ? workersJson : '', rowJson, fullJson);
        built.set(view, msg);
      }
      if (msg === null) continue;
      c.missed = false;
      try {
        c.sink.send(msg, { binary: false });
        this.counters.messages++;
      } catch {
        c.missed = true;
      }
    }
  }

  /** One client's update (null: nothing to send), as UTF-8 JSON. */
  private message(
    c: LiveClient, tasks: Task[], seq: number, resync: boolean, workersJson: string,
    rowJson: (t: Task) => string, fullJson: (t: Task) => string,
  ): Buffer | null {
    const parts: string[] = [];
    const truncated: string[] = [];
    for (const [id, sub] of c.subs) {
      const matched: Task[] = [];
      for (const t of tasks) if (sub.match(t)) matched.push(t);
      if (matched.length === 0) continue;
      const cut = matched.length > this.maxTasks;
      const sent = cut ? matched.slice(matched.length - this.maxTasks) : matched;
      const ser = sub.full ? fullJson : rowJson;
      parts.push(`${JSON.stringify(id)}:[${sent.map(ser).join(',')}]`);
      if (cut) truncated.push(`${JSON.stringify(id)}:${matched.length - sent.length}`);
    }
    if (parts.length === 0 && workersJson === '' && !resync) return null;
    let msg = `{"type":"update","seq":${seq},"subs":{${parts.join(',')}}`;
    if (truncated.length) msg += `,"truncated":{${truncated.join(',')}}`;
    if (workersJson !== '') msg += `,"workers":${workersJson}`;
    if (resync) msg += ',"resync":true';
    msg += '}';
    return Buffer.from(msg);
  }
}

function cached(m: Map<Task, string>, t: Task, make: () => string): string {
  let s = m.get(t);
  if (s === undefined) {
    s = make();
    m.set(t, s);
  }
  return s;
}
