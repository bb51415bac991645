import { execFile } from 'node:child_process';
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
