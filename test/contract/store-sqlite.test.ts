import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTaskQuery } from '../../src/store/query/sql.js';
import { parseSearch } from '../../src/store/query/search.js';
import { SQLITE } from '../../src/store/sqlite/dialect.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { multi, taskLife } from '../fixtures/task-events.js';
import { runStoreContract } from './store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-contract-'));
let n = 0;
let last = '';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract('sqlite', {
  async fresh(opts) {
    last = join(dir, `store-${++n}.db`);
    return new SqliteStore({ path: last, maxEventBytes: 1 << 20, maxFieldBytes: 65536, retention: opts?.retention });
  },
  async again() {
    return new SqliteStore({ path: last, maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
  },
});

// The same contract with text searches answered through their match lists (one match) or, above
// that, by LIKE in sort order (store.ts searchDialect), so both paths mean what FTS5 means.
runStoreContract('sqlite, searches by match list or LIKE', {
  async fresh(opts) {
    last = join(dir, `store-${++n}.db`);
    return new SqliteStore({ path: last, maxEventBytes: 1 << 20, maxFieldBytes: 65536, retention: opts?.retention, ftsDenseMatches: 1 });
  },
  async again() {
    return new SqliteStore({ path: last, maxEventBytes: 1 << 20, maxFieldBytes: 65536, ftsDenseMatches: 1 });
  },
});

describe('SQLite search uses the FTS5 index', () => {
  it('finds a term through its rare part and checks the candidates against the whole term', async () => {
    const store = new SqliteStore({ path: join(dir, 'substring.db'), maxEventBytes: 1 << 20, maxFieldBytes: 65536, ftsCommonTrigram: 3 });
    await store.open();
    const at = Math.floor(Date.now() / 1000) - 100;
    const specs = [1, 2, 3, 4, 5].map((i) => ({ uuid: `sub-${i}`, at: at + i, kwargs: `{'customer': 'acme-100${i}'}` }));
    // "003" of acme-1003 is rare, but these hold it without the whole term
    specs.push({ uuid: 'sub-6', at: at + 6, kwargs: "{'customer': 'globex'}", args: '(1003,)' } as (typeof specs)[number]);
    await store.write({ payloads: [multi(specs.flatMap((s) => taskLife(s)))], workers: [] });
    const find = async (text: string) => (await store.queryTasks({ limit: 10, search: parseSearch(text) })).tasks.map((t) => t.uuid);
    expect(await find('acme-1003')).toEqual(['sub-3']);
    expect(await find('ACME-1003')).toEqual(['sub-3']);
    expect(await find('kwargs:"acme-1003"')).toEqual(['sub-3']);
    expect(await find('args:"acme-1003"')).toEqual([]);
    expect(await find('"1003"')).toEqual(['sub-6', 'sub-3']);
    expect(await find('acme-100')).toHaveLength(5);
    await store.close();
  });

  it('answers large time ranges and long match lists walked in seen_at order exactly as read and sorted', async () => {
    const store = new SqliteStore({ path: join(dir, 'walk.db'), maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
    await store.open();
    const at = Math.floor(Date.now() / 1000) - 5000;
    // 3,000 tasks one second apart; every other one's kwargs holds "walk-me"; some arrive late
    // (received long after they were sent) and some share a sent time.
    const specs = Array.from({ length: 3000 }, (_, i) => ({
      uuid: `w-${String(i).padStart(4, '0')}`, at: at + Math.floor(i / 3) * 3 + (i % 3 === 2 ? 0 : i % 3),
      kwargs: i % 2 ? "{'tag': 'walk-me'}" : '{}', outcome: i % 7 === 0 ? ('failure' as const) : ('success' as const),
    }));
    for (let i = 0; i < specs.length; i += 500) await store.write({ payloads: [multi(specs.slice(i, i + 500).flatMap((x) => taskLife(x)))], workers: [] });
    const all = (await store.queryTasks({ limit: 5000 })).tasks;
    expect(all).toHaveLength(3000);
    const firstPage = async (q: Parameters<typeof store.queryTasks>[0], pick: (t: (typeof all)[number]) => boolean) => {
      const got = (await store.queryTasks(q)).tasks.map((t) => t.uuid);
      expect(got).toEqual(all.filter(pick).slice(0, q.limit).map((t) => t.uuid));
    };
    // 1,800 tasks received in the range (more than the 1,000 that switch to the walk), and a small one
    const from = at + 600;
    const to = at + 2400;
    await firstPage({ limit: 50, received: { from, to } }, (t) => t.received! >= from && t.received! <= to);
    await firstPage({ limit: 50, received: { from, to }, states: ['FAILURE'] }, (t) => t.received! >= from && t.received! <= to && t.state === 'FAILURE');
    await firstPage({ limit: 50, finished: { from } }, (t) => t.finished! >= from);
    await firstPage({ limit: 50, started: { to: at + 10 } }, (t) => t.started! <= at + 10);
    // 1,500 matches (a list longer than 1,000, checked on the walk), with and without a state
    await firstPage({ limit: 50, search: parseSearch('walk-me') }, (t) => t.kwargs!.includes('walk-me'));
    await firstPage({ limit: 50, search: parseSearch('kwargs:"walk-me" state:FAILURE') }, (t) => t.kwargs!.includes('walk-me') && t.state === 'FAILURE');
    await store.close();
  });

  it('kept the FTS5 indexes consistent with tasks through every contract test', () => {
    expect(n).toBeGreaterThan(5);
    for (let i = 1; i <= n; i++) {
      const db = new Database(join(dir, `store-${i}.db`));
      // integrity-check with rank 1 compares the index with the external content (tasks).
      for (const t of ['tasks_fts_call', 'tasks_fts_outcome']) {
        expect(() => db.prepare(`INSERT INTO ${t} (${t}, rank) VALUES ('integrity-check', 1)`).run(), `${t} of store-${i}.db`).not.toThrow();
      }
      db.close();
    }
  });

  it('plans text searches through tasks_fts', async () => {
    const path = join(dir, 'plan.db');
    const store = new SqliteStore({ path, maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
    await store.open();
    await store.close();
    const db = new Database(path, { readonly: true });
    for (const q of ['args:"acme corp"', 'acme', 'kwargs:globex state:FAILURE']) {
      const { sql, params } = buildTaskQuery({ limit: 10, search: parseSearch(q) }, SQLITE);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');
      expect(plan, q).toMatch(/VIRTUAL TABLE INDEX/);
      expect(sql).toMatch(/tasks_fts_(call|outcome) MATCH/);
    }
    db.close();
  });
});
