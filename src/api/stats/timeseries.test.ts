import { describe, expect, it } from 'vitest';
import { emptyTask } from '../../state/merge.js';
import type { CeleryEvent, Task } from '../../state/types.js';
import { percentile, TaskTimeseries } from './timeseries.js';

const task = (over: Partial<Task>): Task => ({ ...emptyTask(over.uuid ?? 'u', 0), ...over });
const ev = (type: string): CeleryEvent => ({ type, hostname: 'w', timestamp: 0 });

describe('TaskTimeseries', () => {
  it('buckets throughput, failures and runtimes and groups failures by exception', () => {
    let now = 10_000;
    const ts = new TaskTimeseries(() => now);
    for (let i = 0; i < 10; i++) {
      ts.observe(task({ uuid: `r${i}`, name: 'a' }), ev('task-received'));
      ts.observe(task({ uuid: `r${i}`, name: 'a', runtime: i + 1 }), ev('task-succeeded'));
    }
    now += 20;
    ts.observe(task({ uuid: 'f1', name: 'b', exception: "ValueError('x')" }), ev('task-failed'));
    ts.observe(task({ uuid: 'f2', name: 'b', exception: "ValueError('y')" }), ev('task-failed'));
    ts.observe(task({ uuid: 'f3', name: 'c', exception: "KeyError('k')" }), ev('task-failed'));
    ts.observe(task({ uuid: 'x', name: 'c' }), ev('task-started')); // not counted
    const s = ts.series(3600);
    expect(s.step).toBe(10);
    expect(s.totals).toEqual({ received: 10, succeeded: 10, failed: 3, retried: 0 });
    expect(s.runtime.p50).toBe(5);
    expect(s.runtime.p99).toBe(10);
    const nonEmpty = s.points.filter((p) => p.succeeded || p.failed);
    expect(nonEmpty.map((p) => [p.succeeded, p.failed])).toEqual([[10, 0], [0, 3]]);
    expect(s.top_failing[0]).toEqual({ name: 'b', failures: 2, finished: 2 });
    const f = ts.failures(3600);
    expect(f.items.map((g) => [g.exception_type, g.count])).toEqual([['ValueError', 2], ['KeyError', 1]]);
    expect(f.items[0]!.example_uuid).toBe('f2');
    // an hour later the fine window is empty but the day window still has them
    now += 4000;
    expect(ts.series(3600).totals.failed).toBe(0);
    expect(ts.series(86400).totals.failed).toBe(3);
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.95)).toBe(4);
  });
});
