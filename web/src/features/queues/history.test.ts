import { describe, expect, it } from 'vitest';
import { emptyHistory, mergeHistory } from './history';

describe('mergeHistory', () => {
  it('aligns new and vanished queues and keeps the newest samples', () => {
    let h = mergeHistory(emptyHistory(), { interval_s: 10, capacity: 4, t: [10, 20], items: [{ name: 'a', messages: [1, 2] }] });
    h = mergeHistory(h, { interval_s: 10, capacity: 4, t: [20, 30, 40], items: [{ name: 'b', messages: [9, 5, 6] }] });
    expect(h.t).toEqual([10, 20, 30, 40]);
    expect(h.depth.get('a')).toEqual([1, 2, null, null]);
    expect(h.depth.get('b')).toEqual([null, null, 5, 6]);
    h = mergeHistory(h, { interval_s: 10, capacity: 4, t: [50], items: [{ name: 'a', messages: [3] }, { name: 'b', messages: [7] }] });
    expect(h.t).toEqual([20, 30, 40, 50]);
    expect(h.depth.get('a')).toEqual([2, null, null, 3]);
    expect(h.depth.get('b')).toEqual([null, 5, 6, 7]);
    expect(h.intervalS).toBe(10);
  });
});
