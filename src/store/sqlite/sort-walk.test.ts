import { describe, expect, it } from 'vitest';
import { sortWalkPage } from './sort-walk.js';

/** A reader over a sort order in which every `every`-th entry matches: returns the matches among the first n. */
function walkOver(every: number, total: number) {
  const walks: number[] = [];
  const read = async (_sql: string, params: unknown[]) => {
    const n = params[0] as number;
    walks.push(n);
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < Math.min(n, total); i++) if (i % every === 0) rows.push({ i });
    return rows;
  };
  return { walks, read, build: (n: number) => ({ sql: 'walk', params: [n] }) };
}

describe('sortWalkPage', () => {
  it('a dense filter: one walk of eight pages', async () => {
    const w = walkOver(2, 1e6);
    expect((await sortWalkPage(51, w.build, w.read))!.length).toBeGreaterThanOrEqual(51);
    expect(w.walks).toEqual([408]);
  });

  it('a sparse filter: longer walks, sized by the share of matches seen', async () => {
    const w = walkOver(300, 1e6); // 2 in the first 408, then ~ 2 * 51 * 300
    const rows = await sortWalkPage(51, w.build, w.read);
    expect(rows!.length).toBeGreaterThanOrEqual(51);
    expect(w.walks[0]).toBe(408);
    expect(w.walks[1]).toBeGreaterThanOrEqual(10_000);
    expect(w.walks.length).toBeLessThanOrEqual(3);
  });

  it('a first walk without any match grows eightfold, not to the longest walk at once', async () => {
    const walks: number[] = [];
    const read = async (_sql: string, params: unknown[]) => {
      const n = params[0] as number;
      walks.push(n);
      // the first 1,000 entries never match (unfinished tasks at the newest end), then one in ten
      return Array.from({ length: Math.max(0, Math.floor((n - 1000) / 10)) }, (_, i) => ({ i }));
    };
    expect((await sortWalkPage(51, (n) => ({ sql: 'walk', params: [n] }), read))!.length).toBeGreaterThanOrEqual(51);
    expect(walks).toEqual([408, 3264]);
  });

  it('too sparse for the longest walk, or a short table: null (the usual query)', async () => {
    const w = walkOver(10_000, 1e6);
    expect(await sortWalkPage(51, w.build, w.read, 32_768)).toBeNull();
    expect(w.walks[w.walks.length - 1]).toBe(32_768);
    const short = walkOver(1, 20);
    expect(await sortWalkPage(51, short.build, short.read)).toBeNull();
  });

  it('not applicable: null without reading', async () => {
    let reads = 0;
    expect(await sortWalkPage(51, () => null, async () => (reads++, []))).toBeNull();
    expect(reads).toBe(0);
  });
});
