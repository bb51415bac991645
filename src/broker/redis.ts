import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { maskUrl } from '../config/config.js';
import { AppError, describeError } from '../shared/errors.js';
import { wrapEnvelope } from './kombu.js';
import { deliverEnvelope } from './kombu-bytes.js';
import { RedisSubscriber } from './redis-subscriber.js';
import { parseRedisUrl } from './redis-url.js';
import type {
  BrokerAdapter,
  BrokerStatus,
  BrokerStatusListener,
  EventConsumer,
  PidboxMessage,
} from './types.js';

export interface RedisBrokerOptions {
  url: string;
  log: Logger;
  /** Envelopes longer than this many characters are skipped unread. */
  maxMessageChars: number;
  /** Celery's `global_keyprefix` transport option; prefixes keys and channels alike. */
  keyPrefix?: string;
  connectTimeoutMs?: number;
}

/**
 * Redis transport: events arrive by pub/sub (`PSUBSCRIBE /{db}.celeryev/*`), at most once and
 * without buffering, so this connection does nothing but read and hand off: it is our own
 * minimal subscriber (redis-subscriber.ts), which hands each message over as bytes. A separate
 * ioredis connection sends commands (broadcasts, queue lengths, task publishing).
 */
export class RedisBroker implements BrokerAdapter {
  readonly kind = 'redis' as const;
  readonly displayUrl: string;
  readonly db: number;
  readonly keyPrefix: string;
  private readonly sub: RedisSubscriber;
  private consumer: EventConsumer | null = null;
  /** The command connection: broadcasts, queue lengths, task publishing. */
  readonly cmd: Redis;
  private listeners: BrokerStatusListener[] = [];
  private started = false;
  private stopping = false;
  private everReady = false;
  private status: BrokerStatus = 'connecting';
  private lastError: Error | null = null;

  constructor(private readonly opts: RedisBrokerOptions) {
    const { options, db } = parseRedisUrl(opts.url);
    this.displayUrl = maskUrl(opts.url);
    this.db = db;
    this.keyPrefix = opts.keyPrefix ?? '';
    const common = {
      ...options,
      lazyConnect: true,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      maxRetriesPerRequest: null,
      // Before start() succeeded a failure is final (one clear line at start-up); after it,
      // reconnect with backoff forever.
      retryStrategy: (times: number) => (this.started && !this.stopping ? Math.min(100 * 2 ** Math.min(times, 6), 5000) : null),
    };
    const onError = (err: Error) => {
      this.lastError = err;
      if (this.started && !this.stopping) opts.log.debug({ err: describeError(err) }, 'redis connection error');
    };
    const max = opts.maxMessageChars;
    this.sub = new RedisSubscriber({
      host: options.host, port: options.port, path: options.path, tls: options.tls, username: options.username, password: options.password,
      db, connectionName: 'celeriac-events', pattern: this.channel('celeryev', '*'), connectTimeoutMs: common.connectTimeout,
      retryStrategy: common.retryStrategy,
      // A UTF-8 byte makes at most one character, and three bytes at least one: a payload of
      // more than 3 × max bytes is over max characters whatever it holds, and is skipped unread.
      maxPayloadBytes: max * 3,
      onMessage: (buf, start, end) => deliverEnvelope(buf, start, end, max, this.consumer!),
      onOversize: (bytes) => this.consumer?.malformed('too_large', `${bytes} bytes`),
      onReady: () => {
        const again = this.everReady;
        this.everReady = true;
        this.setStatus('connected', again);
      },
      onClose: () => this.setStatus('disconnected', false),
      onError,
    });
    this.cmd = new Redis({ ...common, connectionName: 'celeriac-cmd' });
    this.cmd.on('error', onError);
  }

  /** The pub/sub channel of an exchange (and routing key), as kombu names it. */
  channel(exchange: string, routingKey = ''): string {
    return `${this.keyPrefix}/${this.db}.${exchange}${routingKey ? `/${routingKey}` : ''}`;
  }

  async start(consumer: EventConsumer): Promise<void> {
    this.consumer = consumer;
    // Both attempts settle before either is torn down: disconnecting ioredis in the middle of
    // a TLS handshake left its socket without an error listener (an uncaught exception).
    const [sub, cmd] = await Promise.allSettled([this.sub.start(), this.cmd.connect()]);
    if (sub.status === 'rejected' || cmd.status === 'rejected') {
      const err: unknown = sub.status === 'rejected' ? sub.reason : (cmd as PromiseRejectedResult).reason;
      await this.sub.stop();
      this.cmd.disconnect();
      // ioredis reports "Connection is closed" after the socket error that says why.
      const why = this.lastError ?? err;
      throw new AppError('BROKER_CONNECT_FAILED', `cannot connect to broker ${this.displayUrl}: ${describeError(why)}`, { cause: why });
    }
    this.started = true;
    this.opts.log.info({ broker: this.displayUrl }, 'subscribed to Celery events');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.setStatus('closed', false);
    await Promise.allSettled([this.sub.stop(), this.cmd.quit()]);
    this.cmd.disconnect();
  }

  isConnected(): boolean {
    return this.status === 'connected' && this.cmd.status === 'ready';
  }

  onStatus(listener: BrokerStatusListener): void {
    this.listeners.push(listener);
  }

  ackUpTo(): void {
    // pub/sub has nothing to acknowledge
  }

  async broadcast(msg: PidboxMessage, clock: number): Promise<void> {
    const env = wrapEnvelope(JSON.stringify(msg), {
      exchange: 'celery.pidbox',
      routingKey: '',
      headers: { clock, expires: Date.now() / 1000 + 10 },
    });
    await this.cmd.publish(this.channel('celery.pidbox'), env);
  }

  private setStatus(status: BrokerStatus, reconnected: boolean): void {
    if (this.status === status || this.status === 'closed') return;
    this.status = status;
    if (this.started || status === 'connected') {
      for (const l of this.listeners) l(status, { reconnected });
    }
  }
}
