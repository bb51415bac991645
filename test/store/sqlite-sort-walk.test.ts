import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSearch } from '../../src/store/query/search.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { TaskQuery } from '../../src/store/types.js';
import { allPages } from '../helpers/pages.js';

/**
 * A filter with a runtime / received sort (store/sqlite/sort-walk.ts walks the sort's index
 * for a bounded number of entries): on a real store, every page must be exactly that of sorting
 * all matches, for a filter most tasks pass (the first walk fills the page), a rare one (longer
 * walks), one too rare for the longest walk (the usual query), with many equal runtimes (ties
 * broken by rowid, as the index orders them), and with tasks without a runtime (the NULL block
 * after the rest).
 */
const dir = mkdtempSync(join(tmpdir(), 'celeriac-sortwalk-'));
let store: SqliteStore;
const TASKS = 24_000;
interface T {
  uuid: string;
  i: number;
  name: string;
  state: string;
  runtime: number | null;
  received: number | null;
  started: number;
  finished: number | null;
}
const tasks: T[] = [];

const uuidOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const ev = (type: string, uuid: string, ts: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ hostname: 'w1@h', utcoffset: 0, pid: 1, clock: 1, uuid, timestamp: ts, type, ...extra });

beforeAll(async () => {
  store = new SqliteStore({ path: join(dir, 'w.db'), maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
  await store.open();
  const payloads: string[] = [];
  for (let i = 0; i < TASKS; i++) {
    const uuid = uuidOf(i);
    // common: 70 %; rare: 1 in 300 (80 tasks: longer walks); scarce: 12 tasks, all with the same
    // runtime (too few for any walk to fill a page: the usual query).
    // and 1 in 500 without a name (no task-received seen): its runtime still sorts with the rest
    const unnamed = i % 500 === 250;
    const name = unnamed ? '' : i % 2000 === 5 ? 'scarce.task' : i % 300 === 11 ? 'rare.task' : i % 10 < 7 ? 'common.task' : `other.task${i % 3}`;
    const received = 1_700_000_000 + i * 0.5 + (i % 7) * 3; // not in arrival order
    // equal runtimes are common (a tenth of a second), a quarter of tasks never finish
    const finished = i % 4 !== 3;
    const failed = finished && i % 9 === 0;
    const runtime = !finished ? null : name === 'scarce.task' ? 0.001 : Math.round(((i * 7919) % 1000) / 10) / 10;
    tasks.push({ uuid, i, name, state: !finished ? 'STARTED' : failed ? 'FAILURE' : 'SUCCESS', runtime, received: unnamed ? null : received, started: received + 1, finished: finished ? received + 2 : null });
    // the first 100 tasks make one workflow under task 11
    const root = i < 100 ? uuidOf(11) : uuid;
    if (!unnamed) payloads.push(ev('task-received', uuid, received, { name, args: '()', kwargs: '{}', root_id: root, parent_id: root === uuid ? null : root }));
    payloads.push(ev('task-started', uuid, received + 1));
    if (finished) payloads.push(failed ? ev('task-failed', uuid, received + 2, { exception: 'ValueError()', runtime }) : ev('task-succeeded', uuid, received + 2, { result: '1', runtime }));
  }
  // (a task's events may fall in two batches, as they do when ingesting)
  for (let i = 0; i < payloads.length; i += 3000) await store.write({ payloads: payloads.slice(i, i + 3000), workers: [] });
}, 120_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** All matches in the order the store must give: values (NULLs last), ties by arrival (rowid) in the same direction. */
type Field = 'runtime' | 'received' | 'started' | 'finished';
function expected(match: (t: T) => boolean, field: Field, desc: boolean): string[] {
  const m = tasks.filter(match);
  const withValue = m.filter((t) => t[field] !== null);
  const nulls = m.filter((t) => t[field] === null);
  const s = desc ? -1 : 1;
  withValue.sort((a, b) => s * (a[field]! - b[field]!) || s * (a.i - b.i));
  nulls.sort((a, b) => s * (a.i - b.i));
  return [...withValue, ...nulls].map((t) => t.uuid);
}

const all = (q: Omit<TaskQuery, 'limit' | 'cursor'>, limit = 50) => allPages(store, q, limit);

describe('filtered pages sorted by runtime or received (SQLite sort walk)', () => {
  it('a filter most tasks pass: the first pages, slowest and fastest first', async () => {
    const want = expected((t) => t.name === 'common.task', 'runtime', true);
    const first = await store.queryTasks({ names: ['common.task'], sort: { field: 'runtime', desc: true }, limit: 50 });
    expect(first.tasks.map((t) => t.uuid)).toEqual(want.slice(0, 50));
    const second = await store.queryTasks({ names: ['common.task'], sort: { field: 'runtime', desc: true }, limit: 50, cursor: first.nextCursor! });
    expect(second.tasks.map((t) => t.uuid)).toEqual(want.slice(50, 100));
    const asc = await store.queryTasks({ names: ['common.task'], sort: { field: 'runtime', desc: false }, limit: 50 });
    expect(asc.tasks.map((t) => t.uuid)).toEqual(expected((t) => t.name === 'common.task', 'runtime', false).slice(0, 50));
  });

  it('rare and scarce names, a state, a glob, a search: every page of every match, in order', async () => {
    const cases: [Omit<TaskQuery, 'limit' | 'cursor'>, (t: T) => boolean][] = [
      [{ names: ['rare.task'] }, (t) => t.name === 'rare.task'],
      [{ names: ['scarce.task'] }, (t) => t.name === 'scarce.task'],
      [{ states: ['FAILURE'] }, (t) => t.state === 'FAILURE'],
      [{ names: ['other.*'], states: ['SUCCESS'] }, (t) => t.name.startsWith('other.') && t.state === 'SUCCESS'],
      [{ search: parseSearch('name:rare*') }, (t) => t.name.startsWith('rare')],
      [{ search: parseSearch('scarce') }, (t) => t.name.includes('scarce')],
      [{ search: parseSearch('common state:FAILURE') }, (t) => t.name.includes('common') && t.state === 'FAILURE'],
    ];
    for (const [q, match] of cases) {
      for (const desc of [true, false]) {
        expect(await all({ ...q, sort: { field: 'runtime', desc } }, 40), `${JSON.stringify(q)} runtime ${desc ? 'desc' : 'asc'}`).toEqual(expected(match, 'runtime', desc));
      }
    }
  });

  it('received: a dense filter, paged through the first thousand', async () => {
    const want = expected((t) => t.state === 'SUCCESS', 'received', true).slice(0, 1000);
    const got: string[] = [];
    let cursor: string | undefined;
    while (got.length < 1000) {
      const p = await store.queryTasks({ states: ['SUCCESS'], sort: { field: 'received', desc: true }, limit: 100, cursor });
      got.push(...p.tasks.map((t) => t.uuid));
      cursor = p.nextCursor!;
    }
    expect(got).toEqual(want);
  });

  it('started and finished, with a state and with a name: every page, both directions', async () => {
    const cases: [Omit<TaskQuery, 'limit' | 'cursor'>, (t: T) => boolean, Field][] = [
      [{ states: ['FAILURE'] }, (t) => t.state === 'FAILURE', 'finished'],
      [{ names: ['rare.task'] }, (t) => t.name === 'rare.task', 'finished'],
      [{ states: ['STARTED'] }, (t) => t.state === 'STARTED', 'started'],
      [{ names: ['other.task1'] }, (t) => t.name === 'other.task1', 'started'],
    ];
    for (const [q, match, field] of cases) {
      for (const desc of [true, false]) {
        expect(await all({ ...q, sort: { field, desc } }, 100), `${JSON.stringify(q)} ${field} ${desc ? 'desc' : 'asc'}`).toEqual(expected(match, field, desc));
      }
    }
  });

  it('a root id, or one name given in the search box, leave it to the usual query and agree with it', async () => {
    expect(await all({ rootId: uuidOf(11), sort: { field: 'runtime', desc: true } }, 30)).toEqual(expected((t) => t.i < 100, 'runtime', true));
    expect(await all({ search: parseSearch('name:rare.task'), sort: { field: 'runtime', desc: true } })).toEqual(expected((t) => t.name === 'rare.task', 'runtime', true));
  });

  it('no filter: every page in runtime order, both directions, tasks without a name included', async () => {
    for (const desc of [true, false]) {
      expect(await all({ sort: { field: 'runtime', desc } }, 1000), `runtime ${desc ? 'desc' : 'asc'}`).toEqual(expected(() => true, 'runtime', desc));
    }
  });

  it('runtime bounds (filter and search clause), alone and with a state: every page, both directions', async () => {
    const cases: [Omit<TaskQuery, 'limit' | 'cursor'>, (t: T) => boolean][] = [
      [{ runtime: { min: 9.5 } }, (t) => t.runtime !== null && t.runtime >= 9.5],
      [{ runtime: { max: 0.2 } }, (t) => t.runtime !== null && t.runtime <= 0.2],
      [{ runtime: { min: 3, max: 3.1 }, states: ['FAILURE'] }, (t) => t.runtime !== null && t.runtime >= 3 && t.runtime <= 3.1 && t.state === 'FAILURE'],
      [{ search: parseSearch('runtime:>9.8') }, (t) => t.runtime !== null && t.runtime > 9.8],
    ];
    for (const [q, match] of cases) {
      for (const desc of [true, false]) {
        expect(await all({ ...q, sort: { field: 'runtime', desc } }, 40), `${JSON.stringify(q)} runtime ${desc ? 'desc' : 'asc'}`).toEqual(expected(match, 'runtime', desc));
      }
    }
  });

  it('offset paging (Flower) keeps the usual query, no filter walks the merged names: both agree with a sort', async () => {
    const want = expected((t) => t.name === 'common.task', 'runtime', true);
    const p = await store.queryTasks({ names: ['common.task'], sort: { field: 'runtime', desc: true }, limit: 30, offset: 60 });
    expect(p.tasks.map((t) => t.uuid)).toEqual(want.slice(60, 90));
    const bare = await store.queryTasks({ sort: { field: 'runtime', desc: true }, limit: 50 });
    expect(bare.tasks.map((t) => t.uuid)).toEqual(expected(() => true, 'runtime', true).slice(0, 50));
  });
});
