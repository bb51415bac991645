import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** shared/ sits beside the repository (on CI and on developer machines). */
export const SHARED_DIR = process.env.CELERIAC_SHARED_DIR ?? resolve(REPO_ROOT, '../shared');
export const CELERY_APP_DIR = resolve(SHARED_DIR, 'fixtures/celery-app');
export const FLOOD_TOOL = resolve(SHARED_DIR, 'tools/event-flood.py');
export const WIRE_DIR = resolve(SHARED_DIR, 'fixtures/wire');
export const PYTHON = process.env.CELERIAC_PYTHON ?? '/usr/bin/python3';

export const REDIS_HOST = process.env.REDIS_HOST ?? '127.0.0.1';
export const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);
export const AMQP_BASE = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const PG_BASE = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

/**
 * Redis database numbers, one per test file (Redis has 16). Keep this table the only place
 * they are handed out so two files never share one. 0 is left to users.
 */
export const REDIS_DB = {
  'spine.redis': 1,
  'zero-loss.redis': 2,
  'restart.redis': 3,
  'bad-input.redis': 4,
  'broker-contract.redis': 5,
  'control.redis': 6,
  'queues.redis': 7,
  'health.redis': 8,
  'reconcile.redis': 9,
  'web.redis': 10,
  'web-load.redis': 11,
  'cli.redis': 12,
  'store-multi.redis': 13,
  'enable-events.redis': 14,
  // Also the default of `npm run bench` (BENCH_REDIS_URL), which only publishes events there:
  // test/control/queue-history.test.ts therefore never flushes it and uses its own queue names.
  'queue-history.redis': 15,
} as const;

export const redisUrl = (db: number) => `redis://${REDIS_HOST}:${REDIS_PORT}/${db}`;

export function requireShared(): void {
  if (!existsSync(CELERY_APP_DIR)) throw new Error(`shared fixtures not found at ${SHARED_DIR} (set CELERIAC_SHARED_DIR)`);
}
