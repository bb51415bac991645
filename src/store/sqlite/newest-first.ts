import type { TaskQuery } from '../types.js';
import type { MatchHint } from './dialect.js';
import { TASK_BLOCK_ROWS } from './statements.js';

/**
 * The first page, newest first, of a search whose match list is long (store.ts searchHints):
 * without this the page query reads every listed row to sort them by seen_at (2,000 rows and
 * ~18 ms for a bare word at 10 M tasks). Rowids follow arrival and a stored task's seen_at only
 * goes down, so `task_blocks` (migrations/sqlite/0130) holds an upper bound of seen_at for each
 * block of 4,096 rowids. The list is cut by block; the page query runs on the candidates of the
 * blocks with the newest bounds, and the page is final once its last row (the one after the
 * page, which makes the cursor) is newer than every block left out. Otherwise four times as many
 * candidates are taken (more when few of them passed the query's other conditions), until that
 * would be half the list: then the caller runs the usual query over all of it.
 */

/** Lists up to this many times the page size are read whole (a few milliseconds). */
const MIN_FACTOR = 4;

export type PageRows = Record<string, unknown>[];

export interface BlockPlan {
  /** Candidates grouped by block, the blocks newest bound first. */
  blocks: { block: number; bound: number; rowids: number[] }[];
}

/** Groups rowids by block and orders the blocks by their bound, newest first (a block with no bound: first). */
export function planBlocks(rowids: readonly number[], bounds: ReadonlyMap<number, number>): BlockPlan {
  const byBlock = new Map<number, number[]>();
  for (const r of rowids) {
    const b = Math.floor(r / TASK_BLOCK_ROWS);
    const list = byBlock.get(b);
    if (list) list.push(r);
    else byBlock.set(b, [r]);
  }
  const blocks = [...byBlock].map(([block, list]) => ({ block, bound: bounds.get(block) ?? Infinity, rowids: list }));
  blocks.sort((a, b) => b.bound - a.bound || b.block - a.block);
  return { blocks };
}

/** The candidates of the first blocks, at least `take` of them, and the newest bound of the blocks left out. */
export function takeBlocks(plan: BlockPlan, take: number): { rowids: number[]; restBound: number | null } {
  const rowids: number[] = [];
  let i = 0;
  while (i < plan.blocks.length && rowids.length < take) rowids.push(...plan.blocks[i++]!.rowids);
  return { rowids, restBound: i < plan.blocks.length ? plan.blocks[i]!.bound : null };
}

/**
 * Runs `page` on narrowed hints while that can give the exact first page; returns null when
 * it does not apply or when it would need every candidate (the caller then runs the usual query).
 */
export async function newestFirstPage(
  q: TaskQuery,
  hints: ReadonlyMap<string, MatchHint>,
  walk: ReadonlySet<string>,
  /** The bounds of the blocks from `lo` to `hi` (those that have one). */
  bounds: (lo: number, hi: number) => Promise<Map<number, number>>,
  page: (hints: Map<string, MatchHint>) => Promise<PageRows>,
): Promise<PageRows | null> {
  const sort = q.sort ?? { field: 'seen_at', desc: true };
  if (sort.field !== 'seen_at' || !sort.desc || q.cursor || q.offset) return null;
  const want = q.limit + 1;
  // The shortest long list: the one that narrows the page the most.
  let key: string | null = null;
  let list: number[] = [];
  for (const [k, h] of hints) {
    if (h === 'dense' || walk.has(k)) continue;
    const l = Array.isArray(h) ? h : h.candidates;
    if (l.length > MIN_FACTOR * want && (key === null || l.length < list.length)) {
      key = k;
      list = l;
    }
  }
  if (key === null) return null;
  const hint = hints.get(key)!;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of list) {
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  const plan = planBlocks(list, await bounds(Math.floor(lo / TASK_BLOCK_ROWS), Math.floor(hi / TASK_BLOCK_ROWS)));
  let take = MIN_FACTOR * want;
  // Past half of the list, one query over all of it is cheaper than another round.
  while (take <= list.length / 2) {
    const { rowids, restBound } = takeBlocks(plan, take);
    // All taken, or a block left out has no bound (it might hold anything): no narrowed page can be final.
    if (restBound === null || restBound === Infinity) return null;
    const narrowed = new Map(hints);
    narrowed.set(key, Array.isArray(hint) ? rowids : { candidates: rowids, verify: true });
    const rows = await page(narrowed);
    // Every row left out is at most restBound: strictly newer rows cannot be displaced (ties could).
    if (rows.length >= want && Number(rows[want - 1]!.seen_at) > restBound) return rows;
    // Few rows passed the other conditions: take as many more candidates as that suggests.
    take = Math.max(MIN_FACTOR * rowids.length, Math.ceil((2 * want * rowids.length) / Math.max(1, rows.length)));
  }
  return null;
}
