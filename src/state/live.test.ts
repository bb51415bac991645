import { describe, expect, it } from 'vitest';
import { LiveState } from './live.js';
import type { CeleryEvent } from './types.js';

const ev = (type: string, uuid: string, timestamp: number): CeleryEvent => ({ type, uuid, timestamp, hostname: 'w1@h', clock: timestamp });

describe('LiveState finished-task memory', () => {
  it('keeps a late event from resurrecting one of the last N finished tasks, and forgets older ones', () => {
    const s = new LiveState({ finishedCacheSize: 3 });
    for (const u of ['a', 'b', 'c', 'd']) {
      s.apply(ev('task-received', u, 1));
      s.apply(ev('task-succeeded', u, 3));
    }
    expect(s.inflight.size).toBe(0);
    // b, c, d are remembered: a late task-started merges into the finished task.
    for (const u of ['b', 'c', 'd']) expect(s.apply(ev('task-started', u, 2))!.state).toBe('SUCCESS');
    expect(s.inflight.size).toBe(0);
    // a was evicted (cache of 3): its late event starts a new in-flight record.
    expect(s.apply(ev('task-started', 'a', 2))!.state).toBe('STARTED');
    expect([...s.inflight.keys()]).toEqual(['a']);
  });

  it('stays bounded over many tasks', () => {
    const s = new LiveState({ finishedCacheSize: 1000 });
    for (let i = 0; i < 50000; i++) {
      s.apply(ev('task-received', `t${i}`, i));
      s.apply(ev('task-succeeded', `t${i}`, i + 1));
    }
    expect(s.inflight.size).toBe(0);
    expect(s.apply(ev('task-started', 't49000', 2))!.state).toBe('SUCCESS');
    expect(s.apply(ev('task-started', 't48999', 2))!.state).toBe('STARTED');
  });
});
