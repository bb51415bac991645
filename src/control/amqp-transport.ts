import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { closeAmqp, loadAmqplib } from '../broker/amqplib.js';
import type { Logger } from 'pino';
import type { PidboxMessage } from '../broker/types.js';
import { AppError, describeError } from '../shared/errors.js';
import { safeHeaders } from '../broker/amqp-fields.js';
import { managementQueues } from './rabbit-management.js';
import type { TaskMessage } from './task-message.js';
import {
  EVENT_EXCHANGE, eventRoutingKey, PIDBOX_EXCHANGE, REPLY_EXCHANGE, ReplyCollector,
  type CallOptions, type ControlTransport, type PidboxReply, type QueueDepth,
} from './transport.js';

/** How long stop() waits for the broker to confirm the close before dropping the socket. */
const CLOSE_TIMEOUT_MS = 3000;

export interface AmqpTransportOptions {
  url: string;
  log: Logger;
  heartbeat?: number;
  /** RabbitMQ management API base URL (`http://user:pass@host:15672/api/`), optional. */
  brokerApi?: string;
}

interface Conn {
  model: ChannelModel;
  ch: Channel;
  replyQueue: string;
}

/**
 * Remote control over AMQP (celery-wire.md §5.4, §6.3, §7): its own connection, one
 * exclusive auto-delete reply queue per process bound to `reply.celery.pidbox` with routing
 * key <oid>, replies routed to callers by ticket. Reconnects lazily on the next use.
 */
export class AmqpControlTransport implements ControlTransport {
  readonly kind = 'amqp' as const;
  private conn: Conn | null = null;
  private connecting: Promise<Conn> | null = null;
  private readonly oid = randomUUID();
  private readonly pending = new Map<string, ReplyCollector>();
  /** Queues known to exist (so a task publish does not declare them every time). */
  private readonly knownQueues = new Set<string>();
  private stopped = false;

  constructor(private readonly opts: AmqpTransportOptions) {}

  async start(): Promise<void> {
    await this.ensure();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const c of this.pending.values()) c.cancel();
    const c = this.conn;
    this.conn = null;
    if (c && !(await closeAmqp(c.model, CLOSE_TIMEOUT_MS))) this.opts.log.warn('broker did not confirm closing the control connection in time: socket dropped');
  }

  isConnected(): boolean {
    return this.conn !== null;
  }

  private ensure(): Promise<Conn> {
    if (this.conn) return Promise.resolve(this.conn);
    if (this.stopped) return Promise.reject(new AppError('BROKER_UNAVAILABLE', 'control transport stopped'));
    if (!this.connecting) {
      this.connecting = this.open().finally(() => (this.connecting = null));
    }
    return this.connecting;
  }

  private async open(): Promise<Conn> {
    let model: ChannelModel;
    try {
      const amqp = await loadAmqplib();
      model = await amqp.connect(this.opts.url, {
        heartbeat: this.opts.heartbeat ?? 60,
        timeout: 5000,
        clientProperties: { connection_name: 'celeriac-control' },
      });
    } catch (err) {
      throw new AppError('BROKER_UNAVAILABLE', `cannot connect to the broker: ${describeError(err)}`, { cause: err });
    }
    try {
      const ch = await model.createChannel();
      const drop = () => {
        if (this.conn?.model === model) this.conn = null;
        this.knownQueues.clear();
      };
      model.on('close', drop);
      model.on('error', (err: Error) => this.opts.log.debug({ err: describeError(err) }, 'control amqp connection error'));
      ch.on('close', () => {
        if (this.conn?.ch === ch) {
          this.conn = null;
          model.close().catch(() => undefined);
        }
      });
      ch.on('error', (err: Error) => this.opts.log.debug({ err: describeError(err) }, 'control amqp channel error'));
      // Declared exactly as Celery declares them, or RabbitMQ refuses with 406.
      await ch.assertExchange(PIDBOX_EXCHANGE, 'fanout', { durable: false, autoDelete: false });
      await ch.assertExchange(REPLY_EXCHANGE, 'direct', { durable: false, autoDelete: false });
      await ch.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true, autoDelete: false });
      const replyQueue = `${this.oid}.reply.celery.pidbox`;
      await ch.assertQueue(replyQueue, { exclusive: true, autoDelete: true, durable: false, arguments: { 'x-message-ttl': 300000 } });
      await ch.bindQueue(replyQueue, REPLY_EXCHANGE, this.oid);
      await ch.consume(replyQueue, (m) => this.onReply(m), { noAck: true });
      const conn = { model, ch, replyQueue };
      this.conn = conn;
      return conn;
    } catch (err) {
      await model.close().catch(() => undefined);
      throw new AppError('BROKER_UNAVAILABLE', `cannot set up control channel: ${describeError(err)}`, { cause: err });
    }
  }

  private onReply(m: ConsumeMessage | null): void {
    if (!m) return;
    const ticket = m.properties.headers?.ticket;
    const c = typeof ticket === 'string' ? this.pending.get(ticket) : undefined;
    if (!c) return;
    try {
      c.add(JSON.parse(m.content.toString('utf8')));
    } catch {
      // not JSON: ignore
    }
  }

  private publishBroadcast(ch: Channel, body: unknown, clock: number, timeoutMs: number): void {
    ch.publish(PIDBOX_EXCHANGE, '', Buffer.from(JSON.stringify(body)), {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: 0,
      headers: safeHeaders({ clock, expires: Date.now() / 1000 + timeoutMs / 1000 }),
    });
  }

  async cast(msg: PidboxMessage, clock: number): Promise<void> {
    const { ch } = await this.ensure();
    this.publishBroadcast(ch, msg, clock, 10000);
  }

  async call(msg: PidboxMessage & { ticket: string }, clock: number, opts: CallOptions): Promise<PidboxReply[]> {
    const { ch } = await this.ensure();
    const collector = new ReplyCollector(msg.ticket, opts.limit);
    this.pending.set(msg.ticket, collector);
    try {
      collector.startTimer(opts.timeoutMs);
      this.publishBroadcast(ch, { ...msg, reply_to: { exchange: REPLY_EXCHANGE, routing_key: this.oid } }, clock, opts.timeoutMs);
      return [...(await collector.done)];
    } finally {
      this.pending.delete(msg.ticket);
      collector.cancel();
    }
  }

  /** Makes sure the queue exists; a missing one is declared the way Celery declares `celery`. */
  private async ensureQueue(model: ChannelModel, queue: string): Promise<void> {
    if (this.knownQueues.has(queue)) return;
    const probe = await model.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.checkQueue(queue);
      this.knownQueues.add(queue);
      await probe.close().catch(() => undefined);
      return;
    } catch {
      // 404 closed the probe channel: declare it below
    }
    const ch = await model.createChannel();
    ch.on('error', () => undefined);
    try {
      await ch.assertExchange(queue, 'direct', { durable: true, autoDelete: false });
      await ch.assertQueue(queue, { durable: true, autoDelete: false, exclusive: false });
      await ch.bindQueue(queue, queue, queue);
      this.knownQueues.add(queue);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async publishTask(msg: TaskMessage): Promise<void> {
    const conn = await this.ensure();
    if (!msg.exchange) await this.ensureQueue(conn.model, msg.routingKey);
    conn.ch.publish(msg.exchange, msg.routingKey, Buffer.from(msg.body), {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: msg.priority,
      correlationId: msg.correlationId,
      replyTo: msg.replyTo || undefined,
      expiration: msg.expiration,
      headers: safeHeaders(msg.headers),
    });
  }

  async publishEvent(event: Record<string, unknown>): Promise<void> {
    const { ch } = await this.ensure();
    ch.publish(EVENT_EXCHANGE, eventRoutingKey(String(event.type)), Buffer.from(JSON.stringify(event)), {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 1,
      headers: { hostname: event.hostname },
    });
  }

  async queueDepths(names: string[]): Promise<QueueDepth[]> {
    const { model } = await this.ensure();
    const out: QueueDepth[] = [];
    for (const name of names) {
      // A passive declare of a missing queue closes the channel (404): use a throwaway one.
      const ch = await model.createChannel();
      ch.on('error', () => undefined);
      try {
        const r = await ch.checkQueue(name);
        out.push({ name, messages: r.messageCount, ready: r.messageCount, consumers: r.consumerCount });
        await ch.close().catch(() => undefined);
      } catch {
        out.push({ name, messages: 0, ready: 0, consumers: 0 });
      }
    }
    if (this.opts.brokerApi) {
      try {
        const mgmt = await managementQueues(this.opts.brokerApi, this.opts.url, names);
        for (const d of out) {
          const m = mgmt.get(d.name);
          if (!m) continue;
          d.management = m;
          if (typeof m.messages_unacknowledged === 'number') d.unacked = m.messages_unacknowledged;
          if (typeof m.consumers === 'number') d.consumers = m.consumers;
        }
      } catch (err) {
        this.opts.log.warn({ err: describeError(err) }, 'RabbitMQ management API query failed');
      }
    }
    return out;
  }
}
