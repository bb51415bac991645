import { randomUUID } from 'node:crypto';

/**
 * Real-format Celery event messages for the benchmark publisher, built as text without
 * JSON.stringify of objects: the payload JSON uses Python's `json.dumps` spacing and the
 * field sets of shared/fixtures/wire/redis-events.jsonl, and the envelope is kombu's
 * (base64 body, properties with delivery_info / delivery_tag).
 */

const TASK_NAMES = ['tasks.add', 'billing.charge', 'emails.send_welcome', 'reports.build', 'images.resize', 'sync.pull_orders'];
const TRACEBACK =
  'Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 451, in trace_task\n' +
  '    R = retval = fun(*args, **kwargs)\n  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 734, in __protected_call__\n' +
  '    return self.run(*args, **kwargs)\n  File "/app/tasks.py", line 42, in charge\n    raise ValueError("card declined")\nValueError: card declined\n';

const q = (s: string) => JSON.stringify(s);

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

export function envelope(payload: string, routingKey: string, hostname: string, taskEvents: number): Envelope {
  const body = Buffer.from(payload, 'utf8').toString('base64');
  const text =
    `{"body": "${body}", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"hostname": ${q(hostname)}}, ` +
    `"properties": {"delivery_mode": 1, "delivery_info": {"exchange": "celeryev", "routing_key": "${routingKey}"}, "priority": 0, ` +
    `"body_encoding": "base64", "delivery_tag": "${randomUUID()}"}}`;
  return { routingKey, text, taskEvents, payload, hostname };
}

interface SimTask {
  uuid: string;
  name: string;
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
  private readonly window: SimTask[] = [];
  private readonly workerClock: number[];
  private clientClock = 0;
  private readonly pending: string[][];
  private seq = 0;
  private rnd: number;
  readonly workerNames: string[];
  readonly clientName: string;
  tasksStarted = 0;

  constructor(
    private readonly opts: { workers: number; multi: number; failureRatio: number; delay: number; hostPrefix: string; pid: number },
  ) {
    this.workerNames = Array.from({ length: opts.workers }, (_, i) => `${opts.hostPrefix}-w${i + 1}@benchhost`);
    this.clientName = `gen${opts.pid}@benchhost`;
    this.workerClock = new Array<number>(opts.workers).fill(0);
    this.pending = Array.from({ length: opts.workers }, () => []);
    this.rnd = opts.pid;
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

  private workerEvent(t: SimTask, body: string, out: Envelope[]): void {
    const w = t.worker;
    const json = `{"hostname": ${q(this.workerNames[w]!)}, "utcoffset": 0, "pid": ${1000 + w}, "clock": ${++this.workerClock[w]!}, "uuid": "${t.uuid}", ${body}, "timestamp": ${Date.now() / 1000}`;
    if (this.opts.multi <= 1) {
      const type = /"type": "task-(\w+)"/.exec(body)![1]!;
      out.push(envelope(`${json}}`, `task.${type}`, this.workerNames[w]!, 1));
      return;
    }
    const p = this.pending[w]!;
    p.push(`${json}}`);
    if (p.length >= this.opts.multi) this.flushWorker(w, out);
  }

  private flushWorker(w: number, out: Envelope[]): void {
    const p = this.pending[w]!;
    if (p.length === 0) return;
    out.push(envelope(`[${p.join(', ')}]`, 'task.multi', this.workerNames[w]!, p.length));
    this.pending[w] = [];
  }

  /** Emits the next step (about four task events) into `out`. */
  step(out: Envelope[]): void {
    const k = this.seq++;
    const t: SimTask = {
      uuid: randomUUID(),
      name: TASK_NAMES[k % TASK_NAMES.length]!,
      args: `(${k % 1000}, ${(k * 7) % 1000})`,
      kwargs: `{'customer': 'acme-${k % 500}'}`,
      worker: k % this.opts.workers,
      fail: this.random() < this.opts.failureRatio,
      runtime: 0.001 + this.random() * 0.2,
    };
    this.tasksStarted++;
    const sent =
      `{"hostname": ${q(this.clientName)}, "utcoffset": 0, "pid": ${this.opts.pid}, "clock": ${++this.clientClock}, "uuid": "${t.uuid}", ` +
      `"root_id": "${t.uuid}", "parent_id": null, "name": ${q(t.name)}, "args": ${q(t.args)}, "kwargs": ${q(t.kwargs)}, ` +
      `"retries": 0, "eta": null, "expires": null, "queue": "celery", "exchange": "", "routing_key": "celery", "timestamp": ${Date.now() / 1000}, "type": "task-sent"}`;
    out.push(envelope(sent, 'task.sent', this.clientName, 1));
    this.window.push(t);
    this.advance(out);
  }

  private advance(out: Envelope[]): void {
    const d = this.opts.delay;
    const n = this.window.length;
    if (n > d) this.received(this.window[n - 1 - d]!, out);
    if (n > 2 * d) this.started(this.window[n - 1 - 2 * d]!, out);
    if (n > 3 * d) this.finish(this.window.shift()!, out);
  }

  private received(t: SimTask, out: Envelope[]): void {
    this.workerEvent(
      t,
      `"name": ${q(t.name)}, "args": ${q(t.args)}, "kwargs": ${q(t.kwargs)}, "root_id": "${t.uuid}", "parent_id": null, "retries": 0, "eta": null, "expires": null, "type": "task-received"`,
      out,
    );
  }

  private started(t: SimTask, out: Envelope[]): void {
    this.workerEvent(t, `"type": "task-started"`, out);
  }

  private finish(t: SimTask, out: Envelope[]): void {
    if (t.fail) {
      this.workerEvent(t, `"exception": "ValueError('card declined')", "traceback": ${q(TRACEBACK)}, "type": "task-failed"`, out);
    } else {
      this.workerEvent(t, `"result": "{'ok': True, 'n': ${t.args.length}}", "runtime": ${t.runtime}, "type": "task-succeeded"`, out);
    }
  }

  /** Emits every outstanding event (tasks still in the window) and flushes batches. */
  drain(out: Envelope[]): void {
    const d = this.opts.delay;
    // Walk the remaining tasks through their phases, oldest first, without starting new ones.
    const rest = this.window.splice(0);
    for (let i = 0; i < rest.length; i++) {
      const t = rest[i]!;
      const age = rest.length - 1 - i; // steps since its task-sent
      if (age < d) this.received(t, out);
      if (age < 2 * d) this.started(t, out);
      this.finish(t, out);
    }
    this.flushAll(out);
  }

  flushAll(out: Envelope[]): void {
    for (let w = 0; w < this.opts.workers; w++) this.flushWorker(w, out);
  }

  /** worker-online / worker-heartbeat / worker-offline for every simulated worker. */
  workerEvents(type: 'worker-online' | 'worker-heartbeat' | 'worker-offline', out: Envelope[]): void {
    for (let w = 0; w < this.opts.workers; w++) {
      const host = this.workerNames[w]!;
      const json =
        `{"hostname": ${q(host)}, "utcoffset": 0, "pid": ${1000 + w}, "clock": ${++this.workerClock[w]!}, "freq": 2.0, "active": ${3 * this.opts.delay}, ` +
        `"processed": ${this.tasksStarted}, "loadavg": [1.2, 0.9, 0.7], "sw_ident": "py-celery", "sw_ver": "5.2.6", "sw_sys": "Linux", ` +
        `"timestamp": ${Date.now() / 1000}, "type": "${type}"}`;
      out.push(envelope(json, type.replace('-', '.'), host, 0));
    }
  }
}
