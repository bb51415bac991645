import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { AMQP_BASE } from './services.js';

const run = promisify(execFile);

/** rabbitmqctl (needs root or the rabbitmq user, as on the test machines). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60000 });
  return stdout;
}

/** Creates a fresh vhost for one test file (deleting a leftover one first) and returns its amqp URL. */
export async function createVhost(vhost: string): Promise<string> {
  await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
  await rabbitmqctl('add_vhost', vhost);
  await rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  return `${AMQP_BASE}/${encodeURIComponent(vhost)}`;
}

export async function deleteVhost(vhost: string): Promise<void> {
  await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
}

/** Closes every client connection to one vhost (Celeriac's, workers', publishers'). */
export async function closeVhostConnections(vhost: string): Promise<void> {
  await rabbitmqctl('close_all_connections', '-p', vhost, 'test: dropping connections');
}

export interface QueueInfo {
  name: string;
  durable: boolean;
  autoDelete: boolean;
  arguments: string;
  messages: number;
  consumers: number;
}

export async function listQueues(vhost: string): Promise<QueueInfo[]> {
  const out = await rabbitmqctl('list_queues', '-p', vhost, '--no-table-headers', 'name', 'durable', 'auto_delete', 'messages', 'consumers', 'arguments');
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, durable, autoDelete, messages, consumers, ...rest] = l.split('\t');
      return { name: name!, durable: durable === 'true', autoDelete: autoDelete === 'true', messages: Number(messages), consumers: Number(consumers), arguments: rest.join('\t') };
    });
}

/** A plain amqplib publisher on a vhost that reopens itself after the broker closed it. */
export class AmqpPublisher {
  private conn: ChannelModel | null = null;
  private ch: Channel | null = null;

  constructor(private readonly url: string) {}

  async channel(): Promise<Channel> {
    if (this.ch) return this.ch;
    const conn = await amqp.connect(this.url);
    conn.on('error', () => undefined);
    conn.on('close', () => {
      if (this.conn === conn) {
        this.conn = null;
        this.ch = null;
      }
    });
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await ch.assertExchange('celeryev', 'topic', { durable: true, autoDelete: false });
    this.conn = conn;
    this.ch = ch;
    return ch;
  }

  async publish(exchange: string, routingKey: string, body: Buffer | string, options: amqp.Options.Publish = {}): Promise<void> {
    const ch = await this.channel();
    ch.publish(exchange, routingKey, typeof body === 'string' ? Buffer.from(body, 'utf8') : body, options);
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    this.ch = null;
    await c?.close().catch(() => undefined);
  }
}

/**
 * Closes the connections of one vhost whose client-given connection_name contains `nameContains`
 * (Celeriac names its connection "celeriac <instance-name>"), leaving the others open.
 * Returns how many were closed.
 */
export async function closeConnectionsNamed(vhost: string, nameContains: string): Promise<number> {
  const out = await rabbitmqctl('list_connections', '-p', vhost, '--no-table-headers', 'pid', 'client_properties');
  let n = 0;
  for (const line of out.split('\n')) {
    const [pid, props] = line.split('\t');
    if (!pid || !props?.includes(nameContains)) continue;
    await rabbitmqctl('close_connection', pid, 'test: dropping celeriac connection');
    n++;
  }
  return n;
}

/** What a witness queue received: every event the broker routed, counted by type and task. */
export interface WitnessCounts {
  /** Task events (task-*) by type. */
  byType: Record<string, number>;
  taskEvents: number;
  /** Distinct task ids among the task events. */
  tasks: number;
  /** Tasks whose final event arrived: SUCCESS / FAILURE. */
  final: Record<string, number>;
}

/**
 * An exclusive queue bound to `celeryev` with `#`, declared before a flood and read after it: the
 * broker's own copy of what the publisher got through. When part of what a publisher reports sent
 * never reached the exchange (seen once on CI with event-flood.py: one process's tail, cause not
 * found), the witness shows it, so a zero-loss test can tell "the broker never had it" from
 * "Celeriac lost it" and still hold Celeriac to everything the broker routed.
 */
export class EventWitness {
  private constructor(
    private readonly conn: ChannelModel,
    private readonly ch: Channel,
    readonly queue: string,
  ) {}

  static async open(url: string, queue: string): Promise<EventWitness> {
    const conn = await amqp.connect(url);
    conn.on('error', () => undefined);
    const ch = await conn.createChannel();
    await ch.assertExchange('celeryev', 'topic', { durable: true, autoDelete: false });
    await ch.assertQueue(queue, { exclusive: true, durable: false, autoDelete: true });
    await ch.bindQueue(queue, 'celeryev', '#');
    return new EventWitness(conn, ch, queue);
  }

  /** Reads the queue until it is empty and nothing more came for `quietMs` (fails after `deadlineMs`). */
  async drain(quietMs = 1000, deadlineMs = 120_000): Promise<WitnessCounts> {
    const out: WitnessCounts = { byType: {}, taskEvents: 0, tasks: 0, final: {} };
    const ids = new Set<string>();
    await this.ch.prefetch(2000);
    let last = Date.now();
    const { consumerTag } = await this.ch.consume(this.queue, (m) => {
      if (!m) return;
      last = Date.now();
      const body = JSON.parse(m.content.toString('utf8')) as unknown;
      for (const e of (Array.isArray(body) ? body : [body]) as { type?: string; uuid?: string }[]) {
        if (!e.type?.startsWith('task-')) continue;
        out.byType[e.type] = (out.byType[e.type] ?? 0) + 1;
        out.taskEvents++;
        if (e.uuid) ids.add(e.uuid);
        if (e.type === 'task-succeeded') out.final.SUCCESS = (out.final.SUCCESS ?? 0) + 1;
        if (e.type === 'task-failed') out.final.FAILURE = (out.final.FAILURE ?? 0) + 1;
      }
      this.ch.ack(m);
    });
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`witness ${this.queue} not drained in ${deadlineMs / 1000} s: read ${out.taskEvents} task events so far (${JSON.stringify(out.byType)})`);
      await new Promise((r) => setTimeout(r, 100));
      if (Date.now() - last < quietMs) continue;
      if ((await this.ch.checkQueue(this.queue)).messageCount === 0) break;
    }
    await this.ch.cancel(consumerTag);
    out.tasks = ids.size;
    return out;
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }
}

/** The broker's warning and error log lines written since `sinceMs` (empty if the log is not readable). */
export function rabbitLogSince(sinceMs: number, max = 40): string {
  const dir = '/var/log/rabbitmq';
  let lines: string[] = [];
  try {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.log') && !n.includes('upgrade'))) {
      lines = lines.concat(readFileSync(join(dir, f), 'utf8').split('\n'));
    }
  } catch {
    return '';
  }
  const since = new Date(sinceMs).toISOString().replace('T', ' ').slice(0, 19);
  return lines
    .filter((l) => l.slice(0, 19) >= since && /\[(warning|error)\]/.test(l))
    .slice(-max)
    .join('\n');
}

/** The broker's resource alarms and free disk, in one line (for failure messages). */
export async function rabbitHealth(): Promise<string> {
  try {
    const s = JSON.parse(await rabbitmqctl('status', '--formatter', 'json')) as { alarms?: unknown; disk_free?: number; disk_free_limit?: number; memory?: { total?: { rss?: number } } };
    const mb = (n?: number) => (n === undefined ? '?' : `${Math.round(n / 1e6)} MB`);
    return `alarms ${JSON.stringify(s.alarms ?? [])}, disk free ${mb(s.disk_free)} (limit ${mb(s.disk_free_limit)}), broker memory ${mb(s.memory?.total?.rss)}`;
  } catch (err) {
    return `rabbitmqctl status failed: ${(err as Error).message}`;
  }
}

/** Progress lines with the seconds since the start, so a test that times out shows how far it got. */
export function stepper(label: string): (what: string) => void {
  const t0 = Date.now();
  return (what) => console.log(`[${label}] +${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);
}
