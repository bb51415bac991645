import { describe, expect, it } from 'vitest';
import { LiveState } from './live.js';
import { applyTaskEvent, emptyTask, SETTLED_STATES } from './merge.js';
import type { CeleryEvent, Task } from './types.js';

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

/** The finished-task memory as first written (uuid → task, eviction checks identity): the reference. */
class ReferenceMemory {
  readonly inflight = new Map<string, Task>();
  private readonly finished = new Map<string, Task>();
  private readonly ring: (Task | undefined)[] = [];
  private head = 0;
  constructor(private readonly max: number) {}

  apply(ev: CeleryEvent): Task {
    const uuid = ev.uuid!;
    let task = this.inflight.get(uuid);
    let wasFinished = false;
    if (!task) {
      task = this.finished.get(uuid);
      if (task) wasFinished = true;
      else task = emptyTask(uuid, ev.timestamp);
    }
    applyTaskEvent(task, ev);
    if (SETTLED_STATES.has(task.state)) {
      if (!wasFinished) {
        this.inflight.delete(uuid);
        const old = this.ring[this.head];
        if (old !== undefined && this.finished.get(old.uuid) === old) this.finished.delete(old.uuid);
        this.ring[this.head] = task;
        this.head = this.head + 1 === this.max ? 0 : this.head + 1;
        this.finished.set(task.uuid, task);
      }
    } else {
      if (wasFinished) this.finished.delete(uuid);
      this.inflight.set(uuid, task);
    }
    return task;
  }
}

describe('LiveState finished-task memory against the reference', () => {
  it('decides like the reference on random event sequences', () => {
    let seed = 99;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const types = ['task-received', 'task-started', 'task-succeeded', 'task-failed', 'task-retried', 'task-orphaned', 'task-revoked'];
    for (let round = 0; round < 40; round++) {
      const max = 1 + rnd(6);
      const s = new LiveState({ finishedCacheSize: max });
      const ref = new ReferenceMemory(max);
      for (let i = 0; i < 400; i++) {
        const type = types[rnd(types.length)]!;
        const e: CeleryEvent = { type, uuid: `u${rnd(12)}`, timestamp: rnd(50), hostname: 'w1@h', clock: i };
        if (type === 'task-orphaned') e.derived = 'worker-lost';
        const got = type === 'task-orphaned' ? s.applyDerived(e) : s.apply(e)!;
        const want = ref.apply(e);
        expect([round, i, got.uuid, got.state, got.timestamp]).toEqual([round, i, want.uuid, want.state, want.timestamp]);
        expect([...s.inflight.keys()].sort()).toEqual([...ref.inflight.keys()].sort());
      }
    }
  });
});
