import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nthNewest, SqliteStore } from './store.js';

/** The SQLite store's write path: dedup, merge across batches, timelines and root lookups. */
const ev = (type: string, uuid: string, ts: number, extra: Record<string, unknown> = {}) =>
  ({ hostname: type === 'task-sent' ? 'client@h' : 'w1@h', utcoffset: 0, pid: 1, clock: Math.round(ts * 10), uuid, timestamp: ts, type, ...extra });
const one = (e: object) => JSON.stringify(e);
const multi = (...es: object[]) => JSON.stringify(es);

describe('SqliteStore write path', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-store-'));
    store = new SqliteStore({ path: join(dir, 'c.db'), maxEventBytes: 524288, maxFieldBytes: 65536 });
    await store.open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores each event once, however often it is delivered', async () => {
    const sent = ev('task-sent', 'a', 100, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', root_id: 'a', parent_id: null, queue: 'celery' });
    const r1 = await store.write({ payloads: [one(sent), one(sent), multi(ev('task-received', 'a', 101), ev('task-started', 'a', 102))], workers: [] });
    expect(r1).toEqual({ inserted: 3, duplicates: 1 });
    const r2 = await store.write({ payloads: [one(sent), multi(ev('task-started', 'a', 102), ev('task-succeeded', 'a', 103, { result: '3', runtime: 0.5 }))], workers: [] });
    expect(r2).toEqual({ inserted: 1, duplicates: 2 });
    const events = await store.getTaskEvents('a');
    expect(events.map((e) => e.type)).toEqual(['task-sent', 'task-received', 'task-started', 'task-succeeded']);
    expect(events[0]!.data).toMatchObject({ name: 'tasks.add', args: '(1, 2)', queue: 'celery' });
    expect(events[3]!.data).toEqual({ result: '3', runtime: 0.5 });
    const t = await store.getTask('a');
    expect(t).toMatchObject({ state: 'SUCCESS', name: 'tasks.add', worker: 'w1@h', client: 'client@h', sent: 100, received: 101, started: 102, succeeded: 103, finished: 103, seen_at: 100, runtime: 0.5, result: '3' });
    expect((await store.counts()).events).toBe(4);
  });

  it('merges out-of-order batches without moving a task backwards', async () => {
    await store.write({ payloads: [one(ev('task-succeeded', 'b', 205, { result: 'ok', runtime: 1 }))], workers: [] });
    await store.write({ payloads: [one(ev('task-started', 'b', 204)), one(ev('task-received', 'b', 203, { name: 'x.y', args: '()' }))], workers: [] });
    const t = await store.getTask('b');
    expect(t).toMatchObject({ state: 'SUCCESS', name: 'x.y', received: 203, started: 204, finished: 205, seen_at: 203 });
    expect((await store.getTaskEvents('b')).map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
  });

  it('keeps the timelines of different tasks apart', async () => {
    await store.write({ payloads: [multi(ev('task-received', 'c1', 300), ev('task-received', 'c2', 300.5))], workers: [] });
    await store.write({ payloads: [multi(ev('task-started', 'c2', 301), ev('task-started', 'c1', 301.5))], workers: [] });
    expect((await store.getTaskEvents('c1')).map((e) => e.timestamp)).toEqual([300, 301.5]);
    expect((await store.getTaskEvents('c2')).map((e) => e.timestamp)).toEqual([300.5, 301]);
    expect(await store.getTaskEvents('nope')).toEqual([]);
  });

  it('finds a workflow by root id: the root itself and its descendants', async () => {
    await store.write({
      payloads: [
        one(ev('task-received', 'r', 400, { root_id: 'r', parent_id: null, name: 'wf.root' })),
        one(ev('task-received', 'k1', 401, { root_id: 'r', parent_id: 'r', name: 'wf.child' })),
        one(ev('task-received', 'k2', 402, { root_id: 'r', parent_id: 'k1', name: 'wf.child' })),
        one(ev('task-received', 'other', 403, { root_id: 'other', parent_id: null, name: 'x' })),
      ],
      workers: [],
    });
    const page = await store.queryTasks({ rootId: 'r', limit: 10 });
    expect(page.tasks.map((t) => t.uuid).sort()).toEqual(['k1', 'k2', 'r']);
    const searched = await store.queryTasks({ search: [{ field: 'root', op: 'in', values: ['r'], negate: false }], limit: 10 });
    expect(searched.tasks.map((t) => t.uuid).sort()).toEqual(['k1', 'k2', 'r']);
    const negated = await store.queryTasks({ search: [{ field: 'root', op: 'in', values: ['r'], negate: true }], limit: 10 });
    expect(negated.tasks.map((t) => t.uuid)).toEqual(['other']);
  });

  it('finds tasks by free text', async () => {
    await store.write({ payloads: [one(ev('task-received', 't1', 500, { args: "('acme corp',)" })), one(ev('task-received', 't2', 501, { args: '()' }))], workers: [] });
    const page = await store.queryTasks({ search: [{ field: 'text', op: 'contains', values: ['ACME'], negate: false }], limit: 10 });
    expect(page.tasks.map((t) => t.uuid)).toEqual(['t1']);
  });

  it('sorts by a nullable column descending with NULLs last, across cursor pages', async () => {
    const payloads = [];
    for (let i = 0; i < 6; i++) {
      payloads.push(one(ev('task-received', `s${i}`, 600 + i)));
      if (i % 2 === 0) payloads.push(one(ev('task-succeeded', `s${i}`, 700 - i, { runtime: 1 })));
    }
    await store.write({ payloads, workers: [] });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.queryTasks({ sort: { field: 'finished', desc: true }, limit: 2, cursor });
      seen.push(...page.tasks.map((t) => t.uuid));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['s0', 's2', 's4', 's5', 's3', 's1']);
  });

  it('filters by several states in time order, across cursor pages', async () => {
    const payloads = [];
    const kinds = ['task-succeeded', 'task-failed', 'task-started', 'task-revoked'];
    for (let i = 0; i < 12; i++) payloads.push(one(ev(kinds[i % 4]!, `m${String(i).padStart(2, '0')}`, 800 + i, { name: i % 3 ? 'a' : 'b' })));
    await store.write({ payloads, workers: [] });
    const all = async (q: Partial<Parameters<SqliteStore['queryTasks']>[0]>) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.queryTasks({ limit: 2, ...q, cursor });
        seen.push(...page.tasks.map((t) => t.uuid));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    expect(await all({ states: ['FAILURE', 'SUCCESS', 'FAILURE'] })).toEqual(['m09', 'm08', 'm05', 'm04', 'm01', 'm00']);
    expect(await all({ states: ['FAILURE', 'SUCCESS'], names: ['a'] })).toEqual(['m08', 'm05', 'm04', 'm01']);
    expect(await all({ states: ['REVOKED', 'STARTED'], sort: { field: 'seen_at', desc: false } })).toEqual(['m02', 'm03', 'm06', 'm07', 'm10', 'm11']);
  });
});

describe('nthNewest', () => {
  it('reads the n-th largest rowid of a list in ascending order without sorting, and sorts any other', () => {
    expect(nthNewest([1, 5, 9, 12], 0)).toBe(12);
    expect(nthNewest([1, 5, 9, 12], 3)).toBe(1);
    expect(nthNewest([7], 0)).toBe(7);
    // a union of two sets: not in order
    expect(nthNewest([1, 9, 12, 3, 5], 1)).toBe(9);
    expect(nthNewest([12, 9, 5, 3, 1], 4)).toBe(1);
  });
});
