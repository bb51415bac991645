import { describe, expect, it } from 'vitest';
import type { MergeWalk, SortWalk } from '../query/sql.js';
import { sortWalkPage } from './sort-walk.js';

/**
 * A reader over a sort order of `total` index entries in which `matches(i)` says which pass the
 * filters: a walk of n returns the matches among the first n, its reach min(n, total).
 */
function walkOver(total: number, matches: (i: number) => boolean) {
  const walks: number[] = [];
  const read = async (sql: string, params: unknown[]) => {
    const n = params[0] as number;
    if (sql === 'reach') return [{ n: Math.min(n, total) }];
    walks.push(n);
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < Math.min(n, total); i++) if (matches(i)) rows.push({ i });
    return rows;
  };
  return { walks, read, build: (n: number) => ({ sql: 'walk', params: [n], reach: { sql: 'reach', params: [n] } }) };
}

/**
 * The same over a merged walk (SQLite's runtime sort): `merge` reads a round — the next `limit`
 * keys after the last one walked (`after`, from the round before) and the page's rows among
 * them; `pageOnly`: a walk without a filter.
 */
function mergeOver(total: number, matches: (i: number) => boolean, pageOnly = false) {
  const walks: number[] = [];
  const starts: number[] = [];
  const build = (n: number, after?: [number, number] | null): SortWalk => ({
    sql: 'page', params: [after ? after[1] + 1 : 0], merge: { runs: [], limit: n, desc: true }, pageOnly,
  });
  const merge = async (m: MergeWalk, _sql: string, params: unknown[]) => {
    const from = params[0] as number;
    const keys = Array.from({ length: Math.max(0, Math.min(m.limit, total - from)) }, (_, i) => from + i);
    walks.push(keys.length);
    starts.push(from);
    const last = keys.length ? keys[keys.length - 1]! : null;
    return { rows: keys.filter(matches).map((i) => ({ i })), reach: keys.length, last: last === null ? null : ([last, last] as [number, number]) };
  };
  const read = async (): Promise<Record<string, unknown>[]> => {
    throw new Error('a merged walk reads through merge only');
  };
  return { walks, starts, read, merge, build };
}

describe('sortWalkPage', () => {
  it('a dense filter: one walk of eight pages', async () => {
    const w = walkOver(1e6, (i) => i % 2 === 0);
    const page = await sortWalkPage(51, w.build, w.read);
    expect(page!.rows.length).toBeGreaterThanOrEqual(51);
    expect(page!.complete).toBe(false);
    expect(w.walks).toEqual([408]);
  });

  it('a sparse filter: longer walks, sized by the share of matches seen', async () => {
    const w = walkOver(1e6, (i) => i % 300 === 0); // 2 in the first 408, then ~ 2 * 51 * 300
    expect((await sortWalkPage(51, w.build, w.read))!.rows.length).toBeGreaterThanOrEqual(51);
    expect(w.walks[0]).toBe(408);
    expect(w.walks[1]).toBeGreaterThanOrEqual(10_000);
    expect(w.walks.length).toBeLessThanOrEqual(3);
  });

  it('a first walk without any match grows eightfold, not to the longest walk at once', async () => {
    // the first 1,000 entries never match (unfinished tasks at the newest end), then one in ten
    const w = walkOver(1e6, (i) => i >= 1000 && i % 10 === 0);
    expect((await sortWalkPage(51, w.build, w.read))!.rows.length).toBeGreaterThanOrEqual(51);
    expect(w.walks).toEqual([408, 3264]);
  });

  it('too sparse for the longest walk: null (the usual query)', async () => {
    const w = walkOver(1e6, (i) => i % 10_000 === 0);
    expect(await sortWalkPage(51, w.build, w.read, { max: 32_768 })).toBeNull();
    expect(w.walks[w.walks.length - 1]).toBe(32_768);
  });

  it('the end of the listing: a walk that had fewer entries than it asked for is complete', async () => {
    const short = walkOver(20, () => true);
    expect(await sortWalkPage(51, short.build, short.read)).toEqual({ rows: Array.from({ length: 20 }, (_, i) => ({ i })), complete: true });
    expect(short.walks).toEqual([408]);
    const sparse = walkOver(5000, (i) => i % 1000 === 0); // 5 matches in the last 5,000 entries
    const page = await sortWalkPage(51, sparse.build, sparse.read);
    expect(page).toMatchObject({ complete: true });
    expect(page!.rows).toHaveLength(5);
  });

  it('a merged walk: its keys bound first; complete when fewer keys came than it asked for', async () => {
    const w = mergeOver(1e6, (i) => i % 3 === 0);
    expect((await sortWalkPage(51, w.build, w.read, { merge: w.merge }))!.rows.length).toBeGreaterThanOrEqual(51);
    expect(w.walks).toEqual([408]);
    // without a filter the first walk is the page; a row that went away between the keys and
    // the page (retention) does not end the listing: the next walk is longer
    const cut = mergeOver(1e6, (i) => i !== 7, true);
    expect(await sortWalkPage(51, cut.build, cut.read, { merge: cut.merge })).toMatchObject({ complete: false, rows: { length: 101 } });
    expect(cut.walks).toEqual([51, 51]);
    expect(cut.starts).toEqual([0, 51]);
    const end = mergeOver(30, () => true, true);
    expect(await sortWalkPage(51, end.build, end.read, { merge: end.merge })).toMatchObject({ complete: true, rows: { length: 30 } });
    expect(end.walks).toEqual([30]); // keys read: one walk of the page
  });

  it('a merged walk goes on after its last key: each entry read once, the rows in order', async () => {
    const w = mergeOver(1e6, (i) => i % 10 === 0);
    const page = await sortWalkPage(51, w.build, w.read, { merge: w.merge });
    expect(w.walks).toEqual([408, 408]);
    expect(w.starts).toEqual([0, 408]);
    const got = page!.rows.map((r) => r.i as number);
    expect(got.slice(0, 51)).toEqual(Array.from({ length: 51 }, (_, k) => 10 * k));
    expect(new Set(got).size).toBe(got.length);
    // none in the first round: the next reads seven times as many, then the estimate
    const late = mergeOver(1e6, (i) => i >= 1000 && i % 2 === 0);
    const p2 = await sortWalkPage(51, late.build, late.read, { merge: late.merge });
    expect(late.walks[1]).toBe(7 * 408);
    expect(p2!.rows.slice(0, 51).map((r) => r.i)).toEqual(Array.from({ length: 51 }, (_, k) => 1000 + 2 * k));
  });

  it('a merged walk lists a task once when its runtime moved it between two rounds', async () => {
    // task 5 is walked in the first round, then (its runtime changed) again in the second
    const build = (n: number, after?: [number, number] | null): SortWalk => ({ sql: 'page', params: [after ? after[1] + 1 : 0], merge: { runs: [], limit: n, desc: true } });
    const merge = async (m: MergeWalk, _sql: string, params: unknown[]) => {
      const from = params[0] as number;
      const keys = Array.from({ length: m.limit }, (_, i) => from + i);
      const rows = keys.filter((i) => i % 10 === 5).map((i) => ({ uuid: `t${i}` }));
      if (from > 0) rows.unshift({ uuid: 't5' });
      return { rows, reach: keys.length, last: [keys[keys.length - 1]!, keys[keys.length - 1]!] as [number, number] };
    };
    const page = await sortWalkPage(51, build, async () => [], { merge });
    const uuids = page!.rows.map((r) => r.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);
    expect(uuids.slice(0, 3)).toEqual(['t5', 't15', 't25']);
  });

  it('a merged walk too sparse for the longest walk: the usual query if it reads an index, else the walk goes on', async () => {
    const indexed = mergeOver(1e6, (i) => i % 10_000 === 0);
    expect(await sortWalkPage(51, indexed.build, indexed.read, { merge: indexed.merge, usualIsIndexed: async () => true })).toBeNull();
    const scan = mergeOver(1e6, (i) => i % 10_000 === 0);
    const page = await sortWalkPage(51, scan.build, scan.read, { merge: scan.merge, usualIsIndexed: async () => false });
    expect(page).toMatchObject({ complete: false });
    expect(page!.rows.length).toBeGreaterThanOrEqual(51);
    expect(Math.max(...scan.walks)).toBeGreaterThan(32_768);
    // and to the end of the listing when the page never fills
    const rare = mergeOver(1e6, (i) => i % 100_000 === 0);
    expect(await sortWalkPage(51, rare.build, rare.read, { merge: rare.merge, usualIsIndexed: async () => false })).toMatchObject({ complete: true, rows: { length: 10 } });
  });

  it('not applicable: null without reading', async () => {
    let reads = 0;
    expect(await sortWalkPage(51, () => null, async () => (reads++, []))).toBeNull();
    expect(reads).toBe(0);
  });
});
