import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { parseSearch } from '../../src/store/query/search.js';
import { buildTaskQuery } from '../../src/store/query/sql.js';
import { SQLITE } from '../../src/store/sqlite/dialect.js';
import { scansTasks } from '../../src/store/sqlite/sort-walk.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { TaskQuery } from '../../src/store/types.js';
import { allPages } from '../helpers/pages.js';

/**
 * A runtime sort merges one range of tasks_name_runtime per task name (store/query/sql.ts
 * mergedRuntimeWalk, store/sqlite/merge-walk.ts): with 250 names, every page must be that of
 * sorting all tasks. The longest walk is cut to 64 entries here, so that a filter walks past it:
 * on to the usual query when that reads an index (a state), on walking when it would scan
 * the table (a negation).
 */
const dir = mkdtempSync(join(tmpdir(), 'celeriac-runtime-names-'));
let store: SqliteStore;
const NAMES = 250;
interface T {
  uuid: string;
  i: number;
  name: string;
  failed: boolean;
  runtime: number;
}
const tasks: T[] = [];
const uuidOf = (i: number) => `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
const ev = (type: string, uuid: string, ts: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ hostname: 'w1@h', utcoffset: 0, pid: 1, clock: 1, uuid, timestamp: ts, type, ...extra });

beforeAll(async () => {
  store = new SqliteStore({ path: join(dir, 'n.db'), maxEventBytes: 1 << 20, maxFieldBytes: 65536, sortWalkMax: 64 });
  await store.open();
  const payloads: string[] = [];
  for (let i = 0; i < NAMES * 6; i++) {
    const uuid = uuidOf(i);
    const name = `app.task_${String(i % NAMES).padStart(3, '0')}`;
    // runtimes interleave across names, with ties (a hundredth of a second)
    const runtime = Math.round(((i * 7919) % 600) + (i % NAMES)) / 100;
    const failed = i % 7 === 0;
    tasks.push({ uuid, i, name, failed, runtime });
    const ts = 1_700_000_000 + i;
    payloads.push(ev('task-received', uuid, ts, { name, args: '()', kwargs: '{}' }));
    payloads.push(failed ? ev('task-failed', uuid, ts + 1, { exception: 'E()', runtime }) : ev('task-succeeded', uuid, ts + 1, { result: '1', runtime }));
  }
  await store.write({ payloads, workers: [] });
}, 60_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function expected(match: (t: T) => boolean, desc: boolean): string[] {
  const s = desc ? -1 : 1;
  return tasks.filter(match).sort((a, b) => s * (a.runtime - b.runtime) || s * (a.i - b.i)).map((t) => t.uuid);
}

const all = (q: Omit<TaskQuery, 'limit' | 'cursor'>, limit: number) => allPages(store, q, limit);

describe('runtime sort over many task names (SQLite, merged ranges of tasks_name_runtime)', () => {
  it("tells the usual query's plans apart: a state read through its index, a negation scanning the table", () => {
    const db = new Database(join(dir, 'n.db'), { readonly: true });
    const plan = (q: TaskQuery) => {
      const part = buildTaskQuery(q, SQLITE).parts[0]!;
      return (db.prepare(`EXPLAIN QUERY PLAN ${part.sql}`).all(...part.params) as { detail: string }[]).map((r) => r.detail);
    };
    const sort = { field: 'runtime', desc: true } as const;
    expect(scansTasks(plan({ states: ['FAILURE'], sort, limit: 26 }))).toBe(false);
    expect(scansTasks(plan({ search: parseSearch('-state:SUCCESS'), sort, limit: 26 }))).toBe(true);
    expect(scansTasks(plan({ sort, limit: 26 }))).toBe(true);
    db.close();
  });

  it('every page, both directions, with no filter and with a state', async () => {
    for (const desc of [true, false]) {
      expect(await all({ sort: { field: 'runtime', desc } }, 70)).toEqual(expected(() => true, desc));
      expect(await all({ states: ['FAILURE'], sort: { field: 'runtime', desc } }, 25)).toEqual(expected((t) => t.failed, desc));
      expect(await all({ search: parseSearch('-state:SUCCESS'), sort: { field: 'runtime', desc } }, 25)).toEqual(expected((t) => t.failed, desc));
    }
  });
});
