import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SEP, unwrapEnvelope } from '../broker/kombu.js';
import type { RedisBroker } from '../broker/redis.js';
import { describeError } from '../shared/errors.js';
import { idsFromReply, type TaskSource, type WorkerHeldTasks } from './task-source.js';

const METHODS = ['active', 'reserved', 'scheduled'] as const;
const REPLY_EXCHANGE = 'reply.celery.pidbox';

/**
 * A minimal Redis pidbox client for `inspect active/reserved/scheduled` (celery-wire.md §5.3):
 * bind a reply queue, broadcast the three requests, BRPOP replies on a dedicated connection
 * until the timeout, then always remove the binding and the list. Meant to be replaced by the
 * control module's client, which covers RabbitMQ too.
 */
export class RedisInspectSource implements TaskSource {
  constructor(
    private readonly broker: RedisBroker,
    private readonly opts: { timeoutMs: number; nextClock: () => number; log: Logger },
  ) {}

  async inflightOnWorkers(): Promise<WorkerHeldTasks | null> {
    if (!this.broker.isConnected()) return null;
    const oid = randomUUID();
    const p = this.broker.keyPrefix;
    const queue = `${p}${oid}.reply.celery.pidbox`;
    const keys = [queue, `${queue}${SEP}3`, `${queue}${SEP}6`, `${queue}${SEP}9`];
    const bindingSet = `${p}_kombu.binding.${REPLY_EXCHANGE}`;
    const binding = `${oid}${SEP}${SEP}${oid}.reply.celery.pidbox`;
    const tickets = new Map<string, (typeof METHODS)[number]>();
    const out: WorkerHeldTasks = { active: [], reserved: [], scheduled: [], workers: [] };
    const replied = new Set<string>();
    const conn = this.broker.cmd.duplicate({ connectionName: 'celeriac-inspect', lazyConnect: true });
    try {
      await conn.connect();
      await this.broker.cmd.sadd(bindingSet, binding);
      for (const method of METHODS) {
        const ticket = randomUUID();
        tickets.set(ticket, method);
        await this.broker.broadcast(
          { method, arguments: {}, destination: null, pattern: null, matcher: null, ticket, reply_to: { exchange: REPLY_EXCHANGE, routing_key: oid } },
          this.opts.nextClock(),
        );
      }
      const end = Date.now() + this.opts.timeoutMs;
      for (;;) {
        const left = (end - Date.now()) / 1000;
        if (left <= 0.01) break;
        const r = await conn.brpop(...keys, Math.max(0.01, left));
        if (!r) break;
        const env = unwrapEnvelope(r[1]);
        if (!env.ok) continue;
        const method = tickets.get(String(env.headers?.ticket ?? ''));
        if (!method) continue; // someone else's reply
        let body: unknown;
        try {
          body = JSON.parse(env.text);
        } catch {
          continue;
        }
        if (body && typeof body === 'object') for (const node of Object.keys(body)) replied.add(node);
        idsFromReply(body, out[method]);
      }
    } catch (err) {
      this.opts.log.warn({ err: describeError(err) }, 'inspect active/reserved/scheduled failed');
      return null;
    } finally {
      await Promise.allSettled([this.broker.cmd.srem(bindingSet, binding), this.broker.cmd.del(...keys)]);
      conn.disconnect();
    }
    out.workers = [...replied];
    return out;
  }
}
