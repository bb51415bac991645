import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createBroker } from '../../src/broker/index.js';
import type { Config } from '../../src/config/config.js';
import { AMQP_BASE, REDIS_HOST, REDIS_PORT } from '../helpers/services.js';
import { getJson, waitFor } from '../helpers/wait.js';

/** True once the runtime can ingest events from RabbitMQ (the AMQP event adapter is merged). */
export function amqpEventsSupported(): boolean {
  try {
    const b = createBroker({ broker: `${AMQP_BASE}/x`, maxEventBytes: 524288 } as Config, pino({ level: 'silent' }));
    return b.kind === 'amqp';
  } catch {
    return false;
  }
}

export async function flushRedis(db: number): Promise<void> {
  const r = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db });
  await r.flushdb();
  r.disconnect();
}

/** Creates a fresh RabbitMQ vhost (deleting any left over) and returns its broker URL. */
export function freshVhost(name: string): string {
  try {
    execFileSync('rabbitmqctl', ['delete_vhost', name], { stdio: 'ignore' });
  } catch {
    // did not exist
  }
  execFileSync('rabbitmqctl', ['add_vhost', name], { stdio: 'ignore' });
  execFileSync('rabbitmqctl', ['set_permissions', '-p', name, 'guest', '.*', '.*', '.*'], { stdio: 'ignore' });
  return `${AMQP_BASE}/${name}`;
}

export function deleteVhost(name: string): void {
  try {
    execFileSync('rabbitmqctl', ['delete_vhost', name], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

export async function post<T = any>(url: string, body?: unknown, headers: Record<string, string> = {}) {
  return getJson<T>(url, {
    method: 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function waitTask(base: string, id: string, pred: (t: any) => boolean, what: string) {
  return waitFor(async () => {
    const r = await getJson(`${base}/api/v1/tasks/${id}`);
    return r.status === 200 && pred(r.body.task) ? r.body : null;
  }, what, 30000, 150);
}
