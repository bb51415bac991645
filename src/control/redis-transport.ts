import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { SEP, unwrapEnvelope, wrapEnvelope } from '../broker/kombu.js';
import { parseRedisUrl } from '../broker/redis-url.js';
import type { PidboxMessage } from '../broker/types.js';
import { AppError, describeError } from '../shared/errors.js';
import type { TaskMessage } from './task-message.js';
import {
  EVENT_EXCHANGE, eventRoutingKey, PIDBOX_EXCHANGE, REPLY_EXCHANGE, ReplyCollector,
  type CallOptions, type ControlTransport, type PidboxReply, type QueueDepth,
} from './transport.js';

export interface RedisTransportOptions {
  url: string;
  log: Logger;
  /** kombu's `global_keyprefix` transport option (prefixes every key and channel). */
  keyPrefix?: string;
  /** kombu's `priority_steps` (default [0, 3, 6, 9]). */
  prioritySteps?: number[];
}

interface PendingCall {
  collector: ReplyCollector;
  keys: string[];
}

/**
 * Remote control over Redis (celery-wire.md §5.3, §6.2, §7). Three connections of its own:
 * commands, a blocking reader for pidbox replies (BRPOP blocks its connection), and nothing
 * shared with the event subscriber. Each call uses its own reply queue: the binding is added
 * before the broadcast and removed, with the lists, in `finally`.
 */
export class RedisControlTransport implements ControlTransport {
  readonly kind = 'redis' as const;
  private readonly cmd: Redis;
  private readonly blocking: Redis;
  private readonly db: number;
  private readonly prefix: string;
  private readonly steps: number[];
  private readonly pending = new Map<string, PendingCall>();
  private pumping = false;
  private blockingId: number | null = null;
  private stopped = false;

  constructor(private readonly opts: RedisTransportOptions) {
    const { options, db } = parseRedisUrl(opts.url);
    this.db = db;
    this.prefix = opts.keyPrefix ?? '';
    this.steps = [...(opts.prioritySteps ?? [0, 3, 6, 9])].sort((a, b) => a - b);
    const common = {
      ...options,
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (times: number) => (this.stopped ? null : Math.min(100 * 2 ** Math.min(times, 6), 5000)),
    };
    // A broker that accepts the connection but does not answer must not hang a request.
    this.cmd = new Redis({ ...common, connectionName: 'celeriac-control', commandTimeout: 10000 });
    this.blocking = new Redis({ ...common, connectionName: 'celeriac-control-replies' });
    for (const c of [this.cmd, this.blocking]) {
      c.on('error', (err: Error) => opts.log.debug({ err: describeError(err) }, 'control redis connection error'));
    }
    this.blocking.on('ready', () => {
      this.blockingId = null;
      this.blocking.client('ID').then((id) => (this.blockingId = Number(id))).catch(() => undefined);
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.cmd.connect(), this.blocking.connect()]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.pending.values()) p.collector.cancel();
    await Promise.allSettled([this.cmd.quit(), this.blocking.quit()]);
    this.cmd.disconnect();
    this.blocking.disconnect();
  }

  isConnected(): boolean {
    return this.cmd.status === 'ready' && this.blocking.status === 'ready';
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  /** The list keys of a queue: the plain one for step 0, `Q{SEP}step` for the others. */
  private priorityKeys(queue: string): string[] {
    return this.steps.map((s) => this.key(s === 0 ? queue : `${queue}${SEP}${s}`));
  }

  private stepFor(priority: number): number {
    let step = this.steps[0] ?? 0;
    for (const s of this.steps) if (s <= priority) step = s;
    return step;
  }

  private channel(exchange: string, routingKey = ''): string {
    return `${this.prefix}/${this.db}.${exchange}${routingKey ? `/${routingKey}` : ''}`;
  }

  private ensureReady(): void {
    if (this.cmd.status !== 'ready') throw new AppError('BROKER_UNAVAILABLE', 'not connected to the broker (Redis)');
  }

  async cast(msg: PidboxMessage, clock: number): Promise<void> {
    this.ensureReady();
    const env = wrapEnvelope(JSON.stringify(msg), {
      exchange: PIDBOX_EXCHANGE,
      routingKey: '',
      headers: { clock, expires: Date.now() / 1000 + 10 },
    });
    await this.cmd.publish(this.channel(PIDBOX_EXCHANGE), env);
  }

  async call(msg: PidboxMessage & { ticket: string }, clock: number, opts: CallOptions): Promise<PidboxReply[]> {
    this.ensureReady();
    const oid = randomUUID();
    const queue = `${oid}.reply.celery.pidbox`;
    const member = `${oid}${SEP}${SEP}${queue}`;
    const bindingKey = this.key(`_kombu.binding.${REPLY_EXCHANGE}`);
    const keys = this.priorityKeys(queue);
    const collector = new ReplyCollector(msg.ticket, opts.limit);
    try {
      // The binding must exist before the broadcast, or workers drop their replies.
      await this.cmd.sadd(bindingKey, member);
      const env = wrapEnvelope(JSON.stringify({ ...msg, reply_to: { exchange: REPLY_EXCHANGE, routing_key: oid } }), {
        exchange: PIDBOX_EXCHANGE,
        routingKey: '',
        headers: { clock, expires: Date.now() / 1000 + opts.timeoutMs / 1000 },
      });
      this.pending.set(msg.ticket, { collector, keys });
      collector.startTimer(opts.timeoutMs);
      await this.cmd.publish(this.channel(PIDBOX_EXCHANGE), env);
      this.wakePump();
      return [...(await collector.done)];
    } finally {
      this.pending.delete(msg.ticket);
      collector.cancel();
      await this.cmd
        .multi()
        .srem(bindingKey, member)
        .del(...keys)
        .exec()
        .catch((err: unknown) => this.opts.log.warn({ err: describeError(err), queue }, 'could not remove pidbox reply queue'));
    }
  }

  /** Starts the reply reader, or interrupts its BRPOP so it picks up the new call's keys. */
  private wakePump(): void {
    if (!this.pumping) {
      void this.pump();
      return;
    }
    if (this.blockingId !== null) this.cmd.client('UNBLOCK', this.blockingId).catch(() => undefined);
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const keys = [...this.pending.values()].flatMap((p) => p.keys);
        let r: [string, string] | null;
        try {
          r = await this.blocking.brpop(...keys, 1);
        } catch (err) {
          this.opts.log.debug({ err: describeError(err) }, 'pidbox reply read failed');
          await new Promise((res) => setTimeout(res, 100));
          continue;
        }
        if (!r) continue;
        const u = unwrapEnvelope(r[1]);
        if (!u.ok) continue;
        const ticket = u.headers?.ticket;
        const p = typeof ticket === 'string' ? this.pending.get(ticket) : undefined;
        if (!p) continue; // a reply to a call that already ended
        try {
          p.collector.add(JSON.parse(u.text));
        } catch {
          // not JSON: ignore
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  async publishTask(msg: TaskMessage): Promise<void> {
    this.ensureReady();
    let queues = [msg.routingKey];
    if (msg.exchange) {
      // A named exchange: look the routing key up in kombu's binding table (direct routing).
      const members = await this.cmd.smembers(this.key(`_kombu.binding.${msg.exchange}`));
      queues = members.map((m) => m.split(SEP)).filter((p) => p[0] === msg.routingKey).map((p) => p[2]!);
      if (queues.length === 0) throw new AppError('INVALID_PARAMETER', `no queue is bound to exchange "${msg.exchange}" with routing key "${msg.routingKey}"`);
    }
    const env = wrapEnvelope(msg.body, {
      exchange: msg.exchange,
      routingKey: msg.routingKey,
      headers: msg.headers,
      priority: msg.priority,
      correlationId: msg.correlationId,
      replyTo: msg.replyTo,
      expiration: msg.expiration,
    });
    const step = this.stepFor(msg.priority);
    const multi = this.cmd.multi();
    for (const q of queues) multi.lpush(this.key(step === 0 ? q : `${q}${SEP}${step}`), env);
    await multi.exec();
  }

  async publishEvent(event: Record<string, unknown>): Promise<void> {
    this.ensureReady();
    const rk = eventRoutingKey(String(event.type));
    const env = wrapEnvelope(JSON.stringify(event), {
      exchange: EVENT_EXCHANGE,
      routingKey: rk,
      headers: { hostname: event.hostname },
      deliveryMode: 1,
    });
    await this.cmd.publish(this.channel(EVENT_EXCHANGE, rk), env);
  }

  async queueDepths(names: string[]): Promise<QueueDepth[]> {
    this.ensureReady();
    const pipe = this.cmd.pipeline();
    for (const n of names) for (const k of this.priorityKeys(n)) pipe.llen(k);
    const res = (await pipe.exec()) ?? [];
    let i = 0;
    return names.map((name) => {
      const priorities: Record<string, number> = {};
      let messages = 0;
      for (const s of this.steps) {
        const [err, v] = res[i++] ?? [null, 0];
        const n = err ? 0 : Number(v);
        priorities[String(s)] = n;
        messages += n;
      }
      return { name, messages, priorities };
    });
  }
}
