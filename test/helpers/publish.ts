import { Redis } from 'ioredis';
import { wrapEnvelope } from '../../src/broker/kombu.js';
import { REDIS_HOST, REDIS_PORT } from './services.js';

/**
 * Publishes Celery events on Redis the way kombu does (JSON envelope, base64 body, channel
 * /{db}.celeryev/<routing key>); for crafted sequences that no worker would produce, and for
 * raw malformed messages. The envelope format is checked against real captures in
 * src/ingest/decode.test.ts.
 */
export class EventPublisher {
  readonly redis: Redis;
  constructor(private readonly db: number) {
    this.redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: false });
  }

  channel(routingKey: string): string {
    return `/${this.db}.celeryev/${routingKey}`;
  }

  async events(events: Record<string, unknown>[] | Record<string, unknown>, routingKey?: string): Promise<void> {
    const rk = routingKey ?? (Array.isArray(events) ? 'task.multi' : String(events.type).replace('-', '.'));
    const env = wrapEnvelope(JSON.stringify(events), {
      exchange: 'celeryev',
      routingKey: rk,
      headers: { hostname: Array.isArray(events) ? events[0]?.hostname : events.hostname },
      deliveryMode: 1,
    });
    await this.redis.publish(this.channel(rk), env);
  }

  async raw(message: string | Buffer, routingKey = 'task.multi'): Promise<void> {
    await this.redis.publish(this.channel(routingKey), message);
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}

let clock = 1000;
/** A real-shaped task event (field sets as in celery-wire.md §4.2). */
export function taskEvent(type: string, uuid: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    hostname: type === 'task-sent' ? 'gen100@test' : 'wtest@host', utcoffset: 0, pid: 100, clock: ++clock,
    uuid, timestamp: Date.now() / 1000, type,
  };
  if (type === 'task-received' || type === 'task-sent') {
    Object.assign(base, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null });
  }
  if (type === 'task-succeeded') Object.assign(base, { result: '3', runtime: 0.01 });
  return { ...base, ...extra };
}
