import { describe, expect, it } from 'vitest';
import type { MatchHint } from './dialect.js';
import { newestFirstPage, planBlocks, takeBlocks } from './newest-first.js';

// 12 blocks of 4,096 rowids; seen_at mostly follows rowid, but a few early rows are the newest.
const rows = new Map<number, number>();
for (let r = 1; r <= 12 * 4096; r++) rows.set(r, 1000 + r);
for (const r of [5, 9, 4100]) rows.set(r, 10_000_000 + r); // old rowids, newest seen_at
const bounds = new Map<number, number>();
for (const [r, s] of rows) bounds.set(Math.floor(r / 4096), Math.max(bounds.get(Math.floor(r / 4096)) ?? 0, s));

const matches = [...rows.keys()].filter((r) => r % 13 === 0 || r === 5 || r === 9 || r === 4100);
const brute = (limit: number) => [...matches].sort((a, b) => rows.get(b)! - rows.get(a)!).slice(0, limit + 1);

describe('newest first by rowid blocks', () => {
  it('orders blocks by bound and takes whole blocks', () => {
    const plan = planBlocks([1, 2, 4096, 4097, 8200], new Map([[0, 5], [1, 9]]));
    expect(plan.blocks.map((b) => b.block)).toEqual([2, 1, 0]); // block 2 has no bound: first
    expect(takeBlocks(plan, 1)).toEqual({ rowids: [8200], restBound: 9 });
    expect(takeBlocks(plan, 2)).toEqual({ rowids: [8200, 4096, 4097], restBound: 5 });
    expect(takeBlocks(plan, 10)).toEqual({ rowids: [8200, 4096, 4097, 1, 2], restBound: null });
  });

  it('gives the exact first page from the candidates of a few blocks', async () => {
    const seen: number[] = [];
    const page = async (h: Map<string, MatchHint>) => {
      const list = h.get('k') as number[];
      seen.push(list.length);
      return [...list].sort((a, b) => rows.get(b)! - rows.get(a)!).slice(0, 51).map((r) => ({ rowid: r, seen_at: rows.get(r) }));
    };
    const got = await newestFirstPage({ limit: 50 }, new Map([['k', matches]]), new Set(), async () => bounds, page);
    expect(got!.map((r) => r.rowid)).toEqual(brute(50));
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThan(matches.length / 2); // never read every candidate
  });

  it('falls back (null) where it does not apply or would need every candidate', async () => {
    const page = async () => [] as Record<string, unknown>[];
    const long = new Map<string, MatchHint>([['k', matches]]);
    expect(await newestFirstPage({ limit: 50, sort: { field: 'name', desc: false } }, long, new Set(), async () => bounds, page)).toBeNull();
    expect(await newestFirstPage({ limit: 50, cursor: 'x' }, long, new Set(), async () => bounds, page)).toBeNull();
    expect(await newestFirstPage({ limit: 50 }, long, new Set(['k']), async () => bounds, page)).toBeNull(); // walked instead
    expect(await newestFirstPage({ limit: 50 }, new Map([['k', matches.slice(0, 100)]]), new Set(), async () => bounds, page)).toBeNull(); // short
    // no bounds at all: every block might hold the newest rows
    expect(await newestFirstPage({ limit: 50 }, long, new Set(), async () => new Map(), page)).toBeNull();
  });

  it('gives up for the usual query when the other conditions pass few candidates', async () => {
    const asked: number[] = [];
    // a filter only one candidate in 40 passes
    const page = async (h: Map<string, MatchHint>) => {
      const list = h.get('k') as number[];
      asked.push(list.length);
      return list.filter((r) => r % 40 === 0).sort((a, b) => rows.get(b)! - rows.get(a)!).slice(0, 51).map((r) => ({ seen_at: rows.get(r) }));
    };
    expect(await newestFirstPage({ limit: 50 }, new Map([['k', matches]]), new Set(), async () => bounds, page)).toBeNull();
    expect(asked.length).toBe(1); // one narrowed round, then straight to the whole list
  });

  it('keeps the verify shape of a candidate hint', async () => {
    let hint: MatchHint | undefined;
    const page = async (h: Map<string, MatchHint>) => {
      hint = h.get('k');
      const list = (hint as { candidates: number[] }).candidates;
      return [...list].sort((a, b) => rows.get(b)! - rows.get(a)!).slice(0, 51).map((r) => ({ seen_at: rows.get(r) }));
    };
    await newestFirstPage({ limit: 50 }, new Map([['k', { candidates: matches, verify: true }]]), new Set(), async () => bounds, page);
    expect(hint).toMatchObject({ verify: true });
  });
});
