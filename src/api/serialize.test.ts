import { describe, expect, it } from 'vitest';
import { emptyTask } from '../state/merge.js';
import type { Task } from '../state/types.js';
import { taskView } from './serialize.js';

describe('taskView', () => {
  // Every field set to a distinct value, so a field copied from the wrong one shows.
  const task = (): Task => {
    const t = emptyTask('0b6f1d2e-1111-4c4c-9d9d-123456789abc', 1700000000.5) as unknown as Record<string, unknown>;
    let i = 0;
    for (const k of Object.keys(t)) if (k !== 'uuid') t[k] = typeof t[k] === 'string' || t[k] === null ? `v${i++}` : i++;
    t.exception = "ValueError('order 123457')";
    t.started = 20;
    t.received = 15;
    t.eta = null;
    return t as unknown as Task;
  };

  it('has every field of the task, in its order, then the derived ones', () => {
    const t = task();
    const v = taskView(t);
    expect(v).toEqual({ ...t, exception_type: 'ValueError', queue_wait: 5 });
    expect(Object.keys(v)).toEqual([...Object.keys(t), 'exception_type', 'queue_wait']);
    expect(JSON.stringify(v)).toBe(JSON.stringify({ ...t, exception_type: 'ValueError', queue_wait: 5 }));
  });

  it('derives nothing from a task without exception or start', () => {
    const v = taskView(emptyTask('x', 1));
    expect(v.exception_type).toBeNull();
    expect(v.queue_wait).toBeNull();
  });
});
