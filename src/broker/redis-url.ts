import type { RedisOptions } from 'ioredis';
import { AppError } from '../shared/errors.js';

export interface RedisTarget {
  options: RedisOptions;
  db: number;
}

/**
 * Parses the broker URL forms kombu accepts for Redis:
 * `redis://[user:pass@]host[:port][/db]`, `rediss://...` (TLS),
 * `redis+socket:///path/to.sock?virtual_host=db` and `unix:///path/to.sock?db=N`.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError('CONFIG_INVALID', '--broker: not a valid URL');
  }
  const options: RedisOptions = {};
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  let dbText = '';
  if (u.protocol === 'redis+socket:' || u.protocol === 'unix:') {
    options.path = decodeURIComponent(u.pathname);
    dbText = u.searchParams.get('virtual_host') ?? u.searchParams.get('db') ?? '';
  } else {
    options.host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    options.port = u.port ? Number(u.port) : 6379;
    dbText = u.pathname.replace(/^\//, '') || u.searchParams.get('db') || '';
    if (u.protocol === 'rediss:') {
      const verify = u.searchParams.get('ssl_cert_reqs');
      options.tls = verify && /none|CERT_NONE/i.test(verify) ? { rejectUnauthorized: false } : {};
    }
  }
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new AppError('CONFIG_INVALID', `--broker: bad Redis database "${dbText}"`);
  options.db = db;
  return { options, db };
}
