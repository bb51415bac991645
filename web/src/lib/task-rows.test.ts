import { describe, expect, it } from 'vitest';
import { emptyTask } from '../../../src/state/merge';
import { decodeCursor, encodeCursor } from '../../../src/store/query/sql';
import { cursorAfter, mergeTaskRows, type TaskPages } from './task-rows';
import type { TaskView } from './types';

const row = (uuid: string, seen_at: number, state = 'RECEIVED'): TaskView => ({ ...emptyTask(uuid, seen_at), state, exception_type: null, queue_wait: null });
const pages = (...ps: TaskView[][]): TaskPages => ({
  pages: ps.map((items, i) => ({ items, next_cursor: i < ps.length - 1 ? `c${i}` : 'tail' })),
  pageParams: ps.map((_, i) => (i === 0 ? null : `c${i - 1}`)),
});
const ids = (d: TaskPages) => d.pages.flatMap((p) => p.items.map((t) => t.uuid));

describe('mergeTaskRows', () => {
  it('replaces shown rows in place and keeps unchanged pages identical', () => {
    const d = pages([row('c', 30), row('b', 20)], [row('a', 10)]);
    const out = mergeTaskRows(d, [row('b', 20, 'SUCCESS')], true, 100);
    expect(ids(out)).toEqual(['c', 'b', 'a']);
    expect(out.pages[0]!.items[1]!.state).toBe('SUCCESS');
    expect(out.pages[1]).toBe(d.pages[1]);
  });

  it('inserts new rows in newest-first order only when asked', () => {
    const d = pages([row('c', 30), row('a', 10)]);
    expect(ids(mergeTaskRows(d, [row('d', 40), row('b', 20)], false, 100))).toEqual(['c', 'a']);
    expect(ids(mergeTaskRows(d, [row('d', 40), row('b', 20)], true, 100))).toEqual(['d', 'c', 'b', 'a']);
  });

  it('leaves rows older than the loaded part to the next page', () => {
    const d = pages([row('c', 30), row('b', 20)], [row('a', 10)]);
    const out = mergeTaskRows(d, [row('old', 5)], true, 100);
    expect(ids(out)).toEqual(['c', 'b', 'a']);
  });

  it('cuts the list to `max` rows with a cursor the server understands', () => {
    const d = pages([row('c', 30), row('b', 20), row('a', 10)]);
    const out = mergeTaskRows(d, [row('e', 50), row('d', 40)], true, 3);
    expect(ids(out)).toEqual(['e', 'd', 'c']);
    expect(out.pages).toHaveLength(1);
    expect(out.pages[0]!.next_cursor).toBe(encodeCursor(30, 'c'));
    expect(decodeCursor(cursorAfter(row('x', 12.5)))).toEqual([12.5, 'x']);
  });
});
