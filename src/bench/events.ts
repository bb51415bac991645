import { randomUUID } from 'node:crypto';

/**
 * Real-format Celery event messages for the benchmark publisher, built as text without
 * JSON.stringify of objects: the payload JSON uses Python's `json.dumps` spacing and the
 * field sets of shared/fixtures/wire/redis-events.jsonl, and the envelope is kombu's
 * (base64 body, properties with delivery_info / delivery_tag).
 *
 * The stream hands each message to a MessageSink as its payload text plus small numbers for
 * its routing key and sender, so a sink can wrap it without re-deriving them (the publisher's
 * Redis sink writes the envelope straight into its output buffer, publisher-wire.ts), or
 * appends Envelope objects to an array (the `out` argument, for everything else).
 */

const TASK_NAMES = ['tasks.add', 'billing.charge', 'emails.send_welcome', 'reports.build', 'images.resize', 'sync.pull_orders'];
const TRACEBACK =
  'Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 451, in trace_task\n' +
  '    R = retval = fun(*args, **kwargs)\n  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 734, in __protected_call__\n' +
  '    return self.run(*args, **kwargs)\n  File "/app/tasks.py", line 42, in charge\n    raise ValueError("card declined")\nValueError: card declined\n';

const q = (s: string) => JSON.stringify(s);
const TASK_NAMES_Q = TASK_NAMES.map(q);
const TRACEBACK_Q = q(TRACEBACK);

/** Routing keys (pub/sub channel suffixes) by the index a MessageSink gets. */
export const ROUTING_KEYS = ['task.sent', 'task.received', 'task.started', 'task.succeeded', 'task.failed', 'task.multi', 'worker.online', 'worker.heartbeat', 'worker.offline'] as const;
const RK_SENT = 0;
const RK_RECEIVED = 1;
const RK_STARTED = 2;
const RK_SUCCEEDED = 3;
const RK_FAILED = 4;
const RK_MULTI = 5;
const RK_WORKER: Record<'worker-online' | 'worker-heartbeat' | 'worker-offline', number> = { 'worker-online': 6, 'worker-heartbeat': 7, 'worker-offline': 8 };

export interface MessageSink {
  /**
   * One message: its payload (JSON text), routing key (index into ROUTING_KEYS), sender (index
   * into LifecycleStream.hosts) and the number of task events in it (0 for worker events).
   */
  message(routingKey: number, host: number, payload: string, taskEvents: number): void;
}

export interface Envelope {
  /** The pub/sub channel suffix (routing key). */
  routingKey: string;
  /** The envelope text (ASCII: the body is base64). */
  text: string;
  /** Task events inside (0 for worker events). */
  taskEvents: number;
  /** The payload (what RabbitMQ carries as the body) and its sender. */
  payload: string;
  hostname: string;
}

/** The envelope kombu's Redis transport writes for an event (what publisher-wire.ts writes as bytes). */
export function envelope(payload: string, routingKey: string, hostname: string, taskEvents: number): Envelope {
  const body = Buffer.from(payload, 'utf8').toString('base64');
  const text = `{"body": "${body}${envelopeMiddle(hostname, routingKey)}${randomUUID()}"}}`;
  return { routingKey, text, taskEvents, payload, hostname };
}

/** The envelope from the body's closing quote to the delivery tag's opening quote, both included. */
export function envelopeMiddle(hostname: string, routingKey: string): string {
  return (
    `", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"hostname": ${q(hostname)}}, ` +
    `"properties": {"delivery_mode": 1, "delivery_info": {"exchange": "celeryev", "routing_key": "${routingKey}"}, "priority": 0, ` +
    `"body_encoding": "base64", "delivery_tag": "`
  );
}

interface SimTask {
  uuid: string;
  /** Index into TASK_NAMES. */
  name: number;
  /** The args and kwargs reprs (plain ASCII without quotes or backslashes: JSON strings as they are). */
  args: string;
  kwargs: string;
  worker: number;
  fail: boolean;
  runtime: number;
}

/**
 * A stream of task lifecycles: step k emits task-sent of task k, task-received of task k-D,
 * task-started of k-2D and the terminal event of k-3D, so about 3D tasks are in flight and
 * every task gets exactly four events in order. Worker events of one worker can be batched
 * into `task.multi` arrays (`multi` > 1) like a prefork worker; task-sent never is.
 */
export class LifecycleStream {
  /** Tasks by step, oldest first: a ring of 3D + 1 (every task still to finish). */
  private readonly window: (SimTask | undefined)[];
  private windowStart = 0;
  private windowLen = 0;
  private readonly workerClock: number[];
  private clientClock = 0;
  private readonly pending: string[][];
  private seq = 0;
  private rnd: number;
  readonly workerNames: string[];
  readonly clientName: string;
  /** Every sender: the workers (index = worker number), then the client. */
  readonly hosts: string[];
  private readonly clientHost: number;
  /** `{"hostname": "...", "utcoffset": 0, "pid": N, "clock": ` per host. */
  private readonly prefix: string[];
  private sink: MessageSink | null = null;
  private out: Envelope[] | null = null;
  private lastMs = 0;
  private lastTs = '';
  tasksStarted = 0;

  constructor(
    private readonly opts: { workers: number; multi: number; failureRatio: number; delay: number; hostPrefix: string; pid: number; timeOrderedIds?: boolean },
  ) {
    this.workerNames = Array.from({ length: opts.workers }, (_, i) => `${opts.hostPrefix}-w${i + 1}@benchhost`);
    this.clientName = `gen${opts.pid}@benchhost`;
    this.hosts = [...this.workerNames, this.clientName];
    this.clientHost = opts.workers;
    this.prefix = this.hosts.map((h, i) => `{"hostname": ${q(h)}, "utcoffset": 0, "pid": ${i === opts.workers ? opts.pid : 1000 + i}, "clock": `);
    this.workerClock = new Array<number>(opts.workers).fill(0);
    this.pending = Array.from({ length: opts.workers }, () => []);
    this.window = new Array<SimTask | undefined>(3 * opts.delay + 1);
    this.rnd = opts.pid;
  }

  /** Sends every message to `sink` (instead of the `out` arrays the methods take). */
  sinkTo(sink: MessageSink): void {
    this.sink = sink;
  }

  private random(): number {
    // xorshift32: cheap and reproducible
    let x = this.rnd || 1;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rnd = x >>> 0;
    return this.rnd / 4294967296;
  }

  /** Date.now() / 1000 as JSON writes it (formatted once per millisecond). */
  private timestamp(): string {
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTs = String(ms / 1000);
    }
    return this.lastTs;
  }

  /** To `out` when the caller passed an array, else to the sink. */
  private emit(routingKey: number, host: number, payload: string, taskEvents: number): void {
    if (this.out !== null) this.out.push(envelope(payload, ROUTING_KEYS[routingKey]!, this.hosts[host]!, taskEvents));
    else if (this.sink !== null) this.sink.message(routingKey, host, payload, taskEvents);
    else throw new Error('LifecycleStream: no out array and no sink');
  }

  private workerEvent(t: SimTask, body: string, routingKey: number): void {
    const w = t.worker;
    const json = `${this.prefix[w]}${++this.workerClock[w]!}, "uuid": "${t.uuid}", ${body}, "timestamp": ${this.timestamp()}}`;
    if (this.opts.multi <= 1) {
      this.emit(routingKey, w, json, 1);
      return;
    }
    const p = this.pending[w]!;
    p.push(json);
    if (p.length >= this.opts.multi) this.flushWorker(w);
  }

  private flushWorker(w: number): void {
    const p = this.pending[w]!;
    if (p.length === 0) return;
    this.emit(RK_MULTI, w, `[${p.join(', ')}]`, p.length);
    this.pending[w] = [];
  }

  /** Emits the next step (about four task events). */
  step(out?: Envelope[]): void {
    this.out = out ?? null;
    const k = this.seq++;
    const t: SimTask = {
      // timeOrderedIds: the first 8 hex digits count up (an experiment of writer-micro.ts)
      uuid: this.opts.timeOrderedIds ? `${k.toString(16).padStart(8, '0')}${randomUUID().slice(8)}` : randomUUID(),
      name: k % TASK_NAMES.length,
      args: `(${k % 1000}, ${(k * 7) % 1000})`,
      kwargs: `{'customer': 'acme-${k % 500}'}`,
      worker: k % this.opts.workers,
      fail: this.random() < this.opts.failureRatio,
      runtime: 0.001 + this.random() * 0.2,
    };
    this.tasksStarted++;
    const c = this.clientHost;
    const sent =
      `${this.prefix[c]}${++this.clientClock}, "uuid": "${t.uuid}", ` +
      `"root_id": "${t.uuid}", "parent_id": null, "name": ${TASK_NAMES_Q[t.name]}, "args": "${t.args}", "kwargs": "${t.kwargs}", ` +
      `"retries": 0, "eta": null, "expires": null, "queue": "celery", "exchange": "", "routing_key": "celery", "timestamp": ${this.timestamp()}, "type": "task-sent"}`;
    this.emit(RK_SENT, c, sent, 1);
    this.pushTask(t);
    this.advance();
    this.out = null;
  }

  private pushTask(t: SimTask): void {
    const size = this.window.length;
    this.window[(this.windowStart + this.windowLen) % size] = t;
    this.windowLen++;
  }

  /** The i-th task of the window, oldest first. */
  private task(i: number): SimTask {
    return this.window[(this.windowStart + i) % this.window.length]!;
  }

  private advance(): void {
    const d = this.opts.delay;
    const n = this.windowLen;
    if (n > d) this.received(this.task(n - 1 - d));
    if (n > 2 * d) this.started(this.task(n - 1 - 2 * d));
    if (n > 3 * d) {
      const t = this.task(0);
      this.window[this.windowStart] = undefined;
      this.windowStart = (this.windowStart + 1) % this.window.length;
      this.windowLen--;
      this.finish(t);
    }
  }

  private received(t: SimTask): void {
    this.workerEvent(
      t,
      `"name": ${TASK_NAMES_Q[t.name]}, "args": "${t.args}", "kwargs": "${t.kwargs}", "root_id": "${t.uuid}", "parent_id": null, "retries": 0, "eta": null, "expires": null, "type": "task-received"`,
      RK_RECEIVED,
    );
  }

  private started(t: SimTask): void {
    this.workerEvent(t, `"type": "task-started"`, RK_STARTED);
  }

  private finish(t: SimTask): void {
    if (t.fail) {
      this.workerEvent(t, `"exception": "ValueError('card declined')", "traceback": ${TRACEBACK_Q}, "type": "task-failed"`, RK_FAILED);
    } else {
      this.workerEvent(t, `"result": "{'ok': True, 'n': ${t.args.length}}", "runtime": ${t.runtime}, "type": "task-succeeded"`, RK_SUCCEEDED);
    }
  }

  /** Emits every outstanding event (tasks still in the window) and flushes batches. */
  drain(out?: Envelope[]): void {
    this.out = out ?? null;
    const d = this.opts.delay;
    // Walk the remaining tasks through their phases, oldest first, without starting new ones.
    const rest: SimTask[] = [];
    for (let i = 0; i < this.windowLen; i++) rest.push(this.task(i));
    this.window.fill(undefined);
    this.windowStart = 0;
    this.windowLen = 0;
    for (let i = 0; i < rest.length; i++) {
      const t = rest[i]!;
      const age = rest.length - 1 - i; // steps since its task-sent
      if (age < d) this.received(t);
      if (age < 2 * d) this.started(t);
      this.finish(t);
    }
    this.flushAllNow();
    this.out = null;
  }

  flushAll(out?: Envelope[]): void {
    this.out = out ?? null;
    this.flushAllNow();
    this.out = null;
  }

  private flushAllNow(): void {
    for (let w = 0; w < this.opts.workers; w++) this.flushWorker(w);
  }

  /** worker-online / worker-heartbeat / worker-offline for every simulated worker. */
  workerEvents(type: 'worker-online' | 'worker-heartbeat' | 'worker-offline', out?: Envelope[]): void {
    this.out = out ?? null;
    for (let w = 0; w < this.opts.workers; w++) {
      const json =
        `${this.prefix[w]}${++this.workerClock[w]!}, "freq": 2.0, "active": ${3 * this.opts.delay}, ` +
        `"processed": ${this.tasksStarted}, "loadavg": [1.2, 0.9, 0.7], "sw_ident": "py-celery", "sw_ver": "5.2.6", "sw_sys": "Linux", ` +
        `"timestamp": ${this.timestamp()}, "type": "${type}"}`;
      this.emit(RK_WORKER[type], w, json, 0);
    }
    this.out = null;
  }
}
