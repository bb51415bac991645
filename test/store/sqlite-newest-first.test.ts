import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSearch } from '../../src/store/query/search.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

/**
 * A search whose matches span several rowid blocks, newest first (store/sqlite/newest-first.ts),
 * on a real store: the pages must be exactly those of sorting every match by seen_at, also when
 * seen_at does not follow arrival (tasks that arrive late with old times, and early rows whose
 * first event is the newest), and with task_blocks emptied (no bounds: the usual query).
 */
const dir = mkdtempSync(join(tmpdir(), 'celeriac-newest-'));
const path = join(dir, 'n.db');
let store: SqliteStore;
const TASKS = 20_000;
const seenAt = new Map<string, number>();
const matching: string[] = [];

const uuidOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const event = (uuid: string, ts: number, customer: string) =>
  JSON.stringify({ hostname: 'w1@h', utcoffset: 0, pid: 1, clock: 1, uuid, timestamp: ts, type: 'task-received', name: 'billing.charge', args: '()', kwargs: `{'customer': '${customer}'}` });

beforeAll(async () => {
  store = new SqliteStore({ path, maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
  await store.open();
  const payloads: string[] = [];
  for (let i = 0; i < TASKS; i++) {
    const uuid = uuidOf(i);
    // Arrival order is i. Mostly seen_at follows it; every 101st task arrives late with an old
    // time; the first 40 tasks carry the newest times of all.
    let ts = 1_700_000_000 + i;
    if (i % 101 === 50) ts -= 5000;
    if (i < 40) ts = 1_700_100_000 + i;
    // ~750 matches: a list (not walked: under 1,000) longer than four pages
    const customer = i % 28 === 0 || i < 40 ? 'acme-77' : `acme-${(i % 5) + 10}`;
    seenAt.set(uuid, ts);
    if (customer === 'acme-77') matching.push(uuid);
    payloads.push(event(uuid, ts, customer));
  }
  for (let i = 0; i < payloads.length; i += 2000) await store.write({ payloads: payloads.slice(i, i + 2000), workers: [] });
}, 60_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every match, newest first (ties broken by uuid, newest first, as the index orders them). */
const expected = () => [...matching].sort((a, b) => seenAt.get(b)! - seenAt.get(a)! || (a < b ? 1 : -1));

async function pages(n: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < n; i++) {
    const p = await store.queryTasks({ search: parseSearch('acme-77'), limit: 50, cursor });
    out.push(...p.tasks.map((t) => t.uuid));
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  return out;
}

describe('newest-first search pages over rowid blocks (SQLite)', () => {
  it('keeps a bound per block of 4,096 rows as the writer inserts them', () => {
    const db = new Database(path, { readonly: true });
    try {
      const rows = db.prepare('SELECT block, max_seen_at AS m FROM task_blocks ORDER BY block').all() as { block: number; m: number }[];
      const want = db.prepare('SELECT rowid >> 12 AS block, max(seen_at) AS m FROM tasks GROUP BY 1 ORDER BY 1').all();
      expect(rows).toEqual(want);
      expect(rows.length).toBe(Math.floor(TASKS / 4096) + 1);
    } finally {
      db.close();
    }
  });

  it('returns the same pages as sorting every match, reading the candidates of a few blocks for the first', async () => {
    expect(matching.length).toBeGreaterThan(700);
    expect(matching.length).toBeLessThan(1000);
    // the longest rowid list a query was given
    const lists: number[] = [];
    const s = store as unknown as { read: (sql: string, params: unknown[]) => Promise<unknown[]> };
    const read = s.read.bind(store);
    s.read = (sql, params) => {
      for (const p of params) if (typeof p === 'string' && p.startsWith('[') && sql.includes('ORDER BY')) lists.push((JSON.parse(p) as unknown[]).length);
      return read(sql, params);
    };
    try {
      const first = await store.queryTasks({ search: parseSearch('acme-77'), limit: 50 });
      expect(first.tasks.map((t) => t.uuid)).toEqual(expected().slice(0, 50));
      expect(Math.max(...lists)).toBeLessThan(matching.length / 2);
    } finally {
      s.read = read;
    }
    expect(await pages(3)).toEqual(expected().slice(0, 150));
  });

  it('returns them too when no block has a bound', async () => {
    const db = new Database(path);
    db.exec('DELETE FROM task_blocks');
    db.close();
    expect(await pages(2)).toEqual(expected().slice(0, 100));
  });
});

describe('task_blocks after a writer that did not keep them', () => {
  it('are recomputed from the newest bounded block on when the writer starts', async () => {
    const p2 = join(dir, 'heal.db');
    let s = new SqliteStore({ path: p2, maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
    await s.open();
    await s.write({ payloads: Array.from({ length: 5000 }, (_, i) => event(uuidOf(100_000 + i), 1_800_000_000 + i, 'acme-1')), workers: [] });
    await s.close();
    // As a Celeriac from before migration 0130 would: rows appended, task_blocks untouched.
    const db = new Database(p2);
    const cols = db.prepare('SELECT * FROM tasks ORDER BY rowid DESC LIMIT 1').get() as Record<string, unknown>;
    const insert = db.prepare(`INSERT INTO tasks (${Object.keys(cols).join(', ')}) VALUES (${Object.keys(cols).map(() => '?').join(', ')})`);
    for (let i = 0; i < 5000; i++) insert.run(...Object.values({ ...cols, uuid: uuidOf(200_000 + i), id: 10_000 + i, seen_at: 1_900_000_000 + i }));
    const bounds = 'SELECT block, max_seen_at AS m FROM task_blocks ORDER BY block';
    const truth = 'SELECT rowid >> 12 AS block, max(seen_at) AS m FROM tasks GROUP BY 1 ORDER BY 1';
    // block 1 now holds newer rows than its bound says, block 2 has none
    expect(db.prepare(bounds).all()).not.toEqual(db.prepare(truth).all());
    db.close();
    s = new SqliteStore({ path: p2, maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
    await s.open();
    await s.close();
    const check = new Database(p2, { readonly: true });
    try {
      expect(check.prepare(bounds).all()).toEqual(check.prepare(truth).all());
    } finally {
      check.close();
    }
  });
});
