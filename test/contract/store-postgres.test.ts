import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { buildTaskQuery } from '../../src/store/query/sql.js';
import { parseSearch } from '../../src/store/query/search.js';
import { POSTGRES } from '../../src/store/postgres/dialect.js';
import { createTestDatabase, dropTestDatabase, resetSchema } from '../helpers/postgres.js';
import { REPO_ROOT } from '../helpers/services.js';
import { taskLife } from '../fixtures/task-events.js';
import { runStoreContract } from './store.contract.js';

const DB = 'celeriac_test_contract';
let url = '';
beforeAll(async () => {
  url = await createTestDatabase(DB);
});
afterAll(async () => {
  await dropTestDatabase(DB);
});

const make = (retention?: ConstructorParameters<typeof PostgresStore>[0]['retention']) =>
  new PostgresStore({ url, maxEventBytes: 1 << 20, maxFieldBytes: 65536, retention, poolSize: 4 });

runStoreContract('postgres', {
  async fresh(opts) {
    await resetSchema(url);
    return make(opts?.retention);
  },
  async again() {
    return make();
  },
});

describe('PostgreSQL specifics', () => {
  it('two instances migrating at once apply each migration once', async () => {
    await resetSchema(url);
    const [a, b] = [make(), make()];
    await Promise.all([a.open(), b.open()]);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const versions = (await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
      const files = readdirSync(join(REPO_ROOT, 'src/store/migrations/postgres')).filter((f) => f.endsWith('.sql')).sort();
      expect(versions).toEqual(files.map((f) => Number.parseInt(f, 10)));
      const parts = (await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'task_events'::regclass`)).rows[0]!.n;
      expect(Number(parts)).toBeGreaterThanOrEqual(4); // default + today + 2 days ahead
    } finally {
      await c.end();
    }
    await Promise.all([a.close(), b.close()]);
  });

  it('two instances running retention at once: one runs it, nothing is deleted twice', async () => {
    await resetSchema(url);
    const policy = { successDays: 7, failureDays: 0, maxTasksPerState: 0, intervalSeconds: 3600 };
    const [a, b] = [make(policy), make(policy)];
    await a.open();
    await b.open();
    try {
      const now = Math.floor(Date.now() / 1000);
      const events = Array.from({ length: 200 }, (_, i) => taskLife({ uuid: `ret-${i}`, at: now - (i % 2 ? 20 : 1) * 86400 + i })).flat();
      await a.write({ payloads: events.map((e) => JSON.stringify(e)), workers: [] });
      const [ra, rb] = await Promise.all([a.applyRetention(now), b.applyRetention(now)]);
      const total = ra.tasksDeleted + rb.tasksDeleted + (await a.applyRetention(now)).tasksDeleted;
      expect(total).toBe(100);
      expect(await b.counts()).toMatchObject({ tasks: 100, events: 400 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('text searches use the trigram index', async () => {
    await resetSchema(url);
    const s = make();
    await s.open();
    await s.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('SET enable_seqscan = off');
      for (const q of ['args:"acme corp"', 'acme', 'kwargs:globex', '-result:xyz acme', 'exception:KeyError']) {
        const { sql, params } = buildTaskQuery({ limit: 10, search: parseSearch(q) }, POSTGRES);
        const plan = (await c.query(`EXPLAIN ${sql}`, params)).rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
        expect(plan, q).toContain('task_search_trgm');
      }
    } finally {
      await c.end();
    }
  });
});
