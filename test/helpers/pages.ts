import type { Store, TaskQuery } from '../../src/store/types.js';

/** The uuids of every page of `q`, following the store's cursors (at most 1,000 pages). */
export async function allPages(store: Pick<Store, 'queryTasks'>, q: Omit<TaskQuery, 'limit' | 'cursor'>, limit: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 1000; n++) {
    const p = await store.queryTasks({ ...q, limit, cursor });
    out.push(...p.tasks.map((t) => t.uuid));
    if (!p.nextCursor) return out;
    cursor = p.nextCursor;
  }
  throw new Error('too many pages');
}
