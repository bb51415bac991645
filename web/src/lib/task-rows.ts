import type { InfiniteData } from '@tanstack/react-query';
import type { Page, TaskView } from './types';

export type TaskPages = InfiniteData<Page<TaskView>, string | null>;

/** The cursor the server would give for a row under the default sort (see store/query/sql.ts). */
export function cursorAfter(t: TaskView): string {
  return btoa(JSON.stringify([t.seen_at, t.uuid])).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Folds live rows into a cached task list: rows already shown are replaced in place; with the
 * default newest-first order new rows are inserted in order, and the list is cut back to
 * `max` rows (one page whose cursor continues after the last kept row) so memory stays flat
 * however long the stream runs.
 */
export function mergeTaskRows(data: TaskPages, rows: TaskView[], insertNew: boolean, max: number): TaskPages {
  const incoming = new Map<string, TaskView>();
  for (const r of rows) incoming.set(r.uuid, r);
  let pages = data.pages.map((p) => {
    let changed = false;
    const items = p.items.map((it) => {
      const r = incoming.get(it.uuid);
      if (!r) return it;
      incoming.delete(it.uuid);
      changed = true;
      return { ...it, ...r };
    });
    return changed ? { ...p, items } : p;
  });
  let pageParams = data.pageParams;
  if (insertNew && incoming.size > 0 && pages.length > 0) {
    const last = pages[pages.length - 1]!;
    const floor = last.next_cursor ? (last.items[last.items.length - 1]?.seen_at ?? -Infinity) : -Infinity;
    const fresh = [...incoming.values()].filter((r) => r.seen_at >= floor);
    if (fresh.length) {
      const all = pages.flatMap((p) => p.items).concat(fresh);
      all.sort((a, b) => b.seen_at - a.seen_at || (a.uuid < b.uuid ? 1 : -1));
      if (all.length > max) {
        all.length = max;
        pages = [{ items: all, next_cursor: cursorAfter(all[max - 1]!) }];
        pageParams = [null];
      } else {
        // keep page boundaries simple: everything loaded becomes the first page
        pages = [{ items: all, next_cursor: last.next_cursor }];
        pageParams = [null];
      }
    }
  }
  return { pages, pageParams };
}
