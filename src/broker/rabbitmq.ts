import type { Channel, ChannelModel, ConsumeMessage, Message } from 'amqplib';
import { closeAmqp, loadAmqplib } from './amqplib.js';
import type { Logger } from 'pino';
import { maskUrl } from '../config/config.js';
import { safeHeaders } from './amqp-fields.js';
import { AppError, describeError } from '../shared/errors.js';
import { parseAmqpUrl, type AmqpTarget } from './amqp-url.js';
import type {
  BrokerAdapter,
  BrokerStatus,
  BrokerStatusListener,
  EventConsumer,
  PidboxMessage,
} from './types.js';

export interface RabbitBrokerOptions {
  url: string;
  log: Logger;
  /** Event message bodies larger than this many bytes are skipped unread (and acked). */
  maxMessageBytes: number;
  /** AMQP heartbeat in seconds (0 = off). */
  heartbeat: number;
  /** Name of the durable event queue. */
  queue: string;
  /** Seconds an unused event queue survives (`x-expires`). */
  queueExpiresSeconds: number;
  /** Unacknowledged event messages at most (basic.qos). */
  prefetch: number;
  /** Shown in the RabbitMQ management UI as the connection name. */
  connectionName?: string;
  connectTimeoutMs?: number;
  /**
   * On stop, how long to wait for the pipeline to store (and ack) what was already delivered,
   * so a clean restart gets nothing twice. Default 5000 ms.
   */
  stopAckTimeoutMs?: number;
  /** On stop, how long to wait for the broker to confirm each close before dropping the socket (default 3 s). */
  stopCloseTimeoutMs?: number;
  /** Exchange names (Celery settings `event_exchange`, `control_exchange` + ".pidbox"). */
  eventExchange?: string;
  pidboxExchange?: string;
}

/** One open connection with its two channels. */
interface Session {
  conn: ChannelModel;
  events: Channel;
  publish: Channel;
  /** Tokens handed out on this session are `tagBase + deliveryTag`. */
  tagBase: number;
  /** Highest delivery tag acknowledged on `events`. */
  ackedTag: number;
  /** Highest delivery tag received on `events`. */
  deliveredTag: number;
  consumerTag: string;
}

const BACKOFF_MS = [100, 200, 500, 1000, 2000, 5000];

/**
 * RabbitMQ transport. Events are read from a named, durable queue bound to the `celeryev`
 * topic exchange with `#`, so events published while Celeriac is down (restart, crash,
 * network outage) wait in the queue until it is back; the queue deletes itself after
 * `queueExpiresSeconds` without a consumer (`x-expires`). There is deliberately no
 * `x-message-ttl`: a message leaves the queue only when it is acknowledged, and that happens
 * only after the ingest pipeline has stored it (`ackUpTo`). A crash therefore means
 * redelivery, never loss, and the store's unique event identity makes redelivery harmless.
 *
 * Delivery tags are per channel and restart at 1 on every reconnect, so the ack tokens given
 * to the consumer are `tagBase + deliveryTag` with `tagBase` growing across sessions: a late
 * ack for a message of a closed channel is recognised and ignored (the broker has already
 * put that message back in the queue).
 */
export class RabbitBroker implements BrokerAdapter {
  readonly kind = 'amqp' as const;
  readonly displayUrl: string;
  readonly vhost: string;
  readonly queue: string;
  private readonly target: AmqpTarget;
  private readonly eventExchange: string;
  private readonly pidboxExchange: string;
  private session: Session | null = null;
  private consumer: EventConsumer | null = null;
  private listeners: BrokerStatusListener[] = [];
  private status: BrokerStatus = 'connecting';
  private started = false;
  private stopping = false;
  private everConnected = false;
  private lastToken = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;

  constructor(private readonly opts: RabbitBrokerOptions) {
    this.displayUrl = maskUrl(opts.url);
    this.target = parseAmqpUrl(opts.url, { heartbeat: opts.heartbeat, connectTimeoutMs: opts.connectTimeoutMs });
    this.vhost = this.target.vhostName;
    this.queue = opts.queue;
    this.eventExchange = opts.eventExchange ?? 'celeryev';
    this.pidboxExchange = opts.pidboxExchange ?? 'celery.pidbox';
  }

  async start(consumer: EventConsumer): Promise<void> {
    this.consumer = consumer;
    try {
      await this.open();
    } catch (err) {
      throw new AppError('BROKER_CONNECT_FAILED', `cannot connect to broker ${this.displayUrl}: ${explain(err, this.queue, this.vhost)}`, { cause: err });
    }
    this.started = true;
    this.opts.log.info({ broker: this.displayUrl, queue: this.queue }, 'consuming Celery events');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.connecting) await this.connecting.catch(() => undefined);
    const s = this.session;
    if (s && s.consumerTag) {
      // Stop deliveries, then give the pipeline a moment to store and ack what it holds.
      await s.events.cancel(s.consumerTag).catch(() => undefined);
      const end = Date.now() + (this.opts.stopAckTimeoutMs ?? 5000);
      while (this.session === s && s.ackedTag < s.deliveredTag && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    }
    this.setStatus('closed', false);
    this.session = null;
    // Anything still unacknowledged goes back to the queue when the connection closes; the
    // next start receives it again (and the store ignores what was already stored).
    // amqplib writes each channel's frames from its own buffer, round-robin: a connection
    // Close written right after the last acks can reach the broker before them, and the broker
    // then ignores them. Closing the events channel first (its Close queues behind the acks,
    // and CloseOk comes after the broker handled them) makes the acks count.
    if (s) {
      const closeMs = this.opts.stopCloseTimeoutMs ?? 3000;
      const closed = (await closeAmqp(s.events, closeMs, s.conn)) && (await closeAmqp(s.conn, closeMs));
      if (!closed) this.opts.log.warn({ broker: this.displayUrl }, 'broker did not confirm closing the connection in time: socket dropped');
    }
  }

  isConnected(): boolean {
    return this.status === 'connected' && this.session !== null;
  }

  onStatus(listener: BrokerStatusListener): void {
    this.listeners.push(listener);
  }

  ackUpTo(token: number): void {
    const s = this.session;
    if (!s || token <= s.tagBase) return; // from a closed channel: already requeued by the broker
    const tag = token - s.tagBase;
    if (tag <= s.ackedTag) return;
    try {
      s.events.ack({ fields: { deliveryTag: tag } } as Message, true);
      s.ackedTag = tag;
    } catch (err) {
      // The channel is closing; its unacknowledged messages will be redelivered.
      this.opts.log.debug({ err: describeError(err) }, 'ack on a closing channel skipped');
    }
  }

  async broadcast(msg: PidboxMessage, clock: number): Promise<void> {
    const s = this.session;
    if (!s || this.status !== 'connected') throw new AppError('BROKER_UNAVAILABLE', `not connected to broker ${this.displayUrl}`);
    s.publish.publish(this.pidboxExchange, '', Buffer.from(JSON.stringify(msg), 'utf8'), {
      // Integers go as explicit 32/64-bit fields: py-amqp misreads amqplib's default short ints.
      headers: safeHeaders({ clock, expires: Date.now() / 1000 + 10 }),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: 0,
    });
  }

  /** Connects, declares the topology and starts consuming; the session is kept only if all of it worked. */
  private open(): Promise<void> {
    const p = this.openSession().finally(() => {
      if (this.connecting === p) this.connecting = null;
    });
    this.connecting = p;
    return p;
  }

  private async openSession(): Promise<void> {
    const { connect, socket } = this.target;
    const amqp = await loadAmqplib();
    const conn = await amqp.connect(connect, {
      ...socket,
      clientProperties: { connection_name: this.opts.connectionName ?? `celeriac ${this.queue}` },
    });
    let lost = false;
    let session: Session | null = null;
    conn.on('error', (err: Error) => this.opts.log.debug({ err: describeError(err) }, 'amqp connection error'));
    conn.on('close', (err?: Error) => {
      lost = true;
      if (session && this.session === session) this.lose(session, err);
    });
    try {
      const events = await conn.createChannel();
      const publish = await conn.createChannel();
      for (const ch of [events, publish]) {
        ch.on('error', (err: Error) => this.opts.log.warn({ err: describeError(err) }, 'amqp channel error'));
        // A channel closed on its own (e.g. the queue was deleted) is fixed by a full reconnect.
        ch.on('close', () => {
          if (session && this.session === session && !this.stopping) void conn.close().catch(() => undefined);
        });
      }
      await events.assertExchange(this.eventExchange, 'topic', { durable: true, autoDelete: false });
      await events.assertQueue(this.queue, {
        durable: true,
        autoDelete: false,
        exclusive: false,
        arguments: { 'x-expires': Math.round(this.opts.queueExpiresSeconds * 1000) },
      });
      await events.bindQueue(this.queue, this.eventExchange, '#');
      await events.prefetch(this.opts.prefetch, false);
      await publish.assertExchange(this.pidboxExchange, 'fanout', { durable: false, autoDelete: false });
      session = { conn, events, publish, tagBase: this.lastToken, ackedTag: 0, deliveredTag: 0, consumerTag: '' };
      const current = session;
      // Deliveries can arrive before consume() resolves, and their acks must not be lost.
      this.session = current;
      // An exclusive consumer: a second Celeriac with the same queue name is refused instead
      // of silently taking half of the events.
      const ok = await events.consume(this.queue, (m) => this.onMessage(current, m), { noAck: false, exclusive: true });
      current.consumerTag = ok.consumerTag;
    } catch (err) {
      if (session && this.session === session) this.session = null;
      await conn.close().catch(() => undefined);
      throw err;
    }
    if (lost || this.stopping) {
      if (this.session === session) this.session = null;
      await conn.close().catch(() => undefined);
      if (this.stopping) return;
      throw new Error('connection closed while opening');
    }
    this.attempt = 0;
    const again = this.everConnected;
    this.everConnected = true;
    this.setStatus('connected', again);
  }

  private onMessage(s: Session, m: ConsumeMessage | null): void {
    if (m === null) {
      // The broker cancelled our consumer (queue deleted): reconnect, which re-declares it.
      this.opts.log.warn({ queue: this.queue }, 'event queue consumer cancelled by the broker; reconnecting');
      void s.conn.close().catch(() => undefined);
      return;
    }
    if (m.fields.deliveryTag > s.deliveredTag) s.deliveredTag = m.fields.deliveryTag;
    const token = s.tagBase + m.fields.deliveryTag;
    if (token > this.lastToken) this.lastToken = token;
    const c = this.consumer!;
    const type = m.properties.contentType as string | undefined;
    if (m.content.length > this.opts.maxMessageBytes) {
      c.malformed('too_large', `${m.content.length} bytes`, token);
    } else if (type && !/json/i.test(type)) {
      c.malformed('bad_envelope', `content type ${type}`, token);
    } else {
      c.payload(m.content.toString('utf8'), token);
    }
  }

  private lose(s: Session, err?: Error): void {
    if (this.session !== s) return;
    this.session = null;
    this.setStatus('disconnected', false);
    // While opening, the open itself fails and its caller retries (or start() rejects).
    if (this.stopping || this.connecting) return;
    this.opts.log.warn({ err: err ? describeError(err) : undefined }, 'amqp connection lost');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopping) return;
      this.open().catch((err: unknown) => {
        this.opts.log.warn({ err: explain(err, this.queue, this.vhost), attempt: this.attempt }, 'amqp reconnect failed; retrying');
        this.scheduleReconnect();
      });
    }, delay);
  }

  private setStatus(status: BrokerStatus, reconnected: boolean): void {
    if (this.status === status || this.status === 'closed') return;
    this.status = status;
    if (this.started || status === 'connected') {
      for (const l of this.listeners) l(status, { reconnected });
    }
  }
}

/** One line, with a hint for the two mistakes that need an operator. */
function explain(err: unknown, queue: string, vhost: string): string {
  const msg = describeError(err);
  // amqplib's words when the server closes the connection instead of opening the vhost.
  if (/Expected ConnectionOpenOk/.test(msg)) {
    return `the broker refused to open virtual host "${vhost}" (does it exist, and may this user use it?)`;
  }
  if (/PRECONDITION[-_]FAILED/.test(msg) && msg.includes(queue)) {
    return `${msg}; the event queue "${queue}" exists with other settings (delete it, or pick another --event-queue)`;
  }
  if (/exclusive use/.test(msg)) {
    return `${msg}; another consumer (another Celeriac with the same --instance-name?) reads "${queue}"; give each instance its own --instance-name or --event-queue`;
  }
  return msg;
}
