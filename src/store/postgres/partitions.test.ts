import { describe, expect, it } from 'vitest';
import { dayOf, dayOfPartition, partitionName } from './partitions.js';

describe('event partitions', () => {
  it('names a day partition by its UTC date and reads the day back', () => {
    const ts = Date.UTC(2026, 10, 22, 23, 59, 59) / 1000;
    expect(partitionName(dayOf(ts))).toBe('task_events_p20261122');
    expect(partitionName(dayOf(ts + 1))).toBe('task_events_p20261123');
    for (const d of [0, 1, 20_000, dayOf(ts)]) expect(dayOfPartition(partitionName(d))).toBe(d);
  });

  it('ignores tables that are not day partitions', () => {
    expect(dayOfPartition('task_events_default')).toBeNull();
    expect(dayOfPartition('task_events_kept')).toBeNull();
  });
});
