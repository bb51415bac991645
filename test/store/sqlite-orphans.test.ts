import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTaskEvent, emptyTask } from '../../src/state/merge.js';
import type { CeleryEvent } from '../../src/state/types.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

/** The SQL upsert must agree with the in-memory merge about ORPHANED, whatever the batching. */
describe('SQLite store: orphaned tasks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-orphans-'));
  const store = new SqliteStore({ path: join(dir, 'x.db'), maxEventBytes: 1 << 20, maxFieldBytes: 4096 });
  beforeAll(() => store.open());
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ev = (uuid: string, type: string, timestamp: number, extra: Partial<CeleryEvent> = {}): CeleryEvent => ({
    type, uuid, hostname: 'w1@h', timestamp, clock: Math.round(timestamp), ...extra,
  });

  it('stores one event per batch in any order and ends as the in-memory merge does', async () => {
    const scenarios: CeleryEvent[][] = [];
    for (let i = 0; i < 6; i++) {
      const id = `t${i}`;
      const orphan = ev(id, 'task-orphaned', 5, { derived: i % 2 ? 'worker-lost' : 'worker-offline' });
      const evs = [ev(id, 'task-received', 1, { name: 'tasks.x' }), ev(id, 'task-started', 2), orphan];
      if (i >= 2) evs.push(ev(id, 'task-succeeded', 9, { hostname: 'w2@h', result: '1' }));
      if (i >= 4) evs.push(ev(id, 'task-started', 8, { hostname: 'w2@h' }));
      // reverse some, rotate others: arrival order must not matter
      scenarios.push(i % 2 ? evs.reverse() : [...evs.slice(2), ...evs.slice(0, 2)]);
    }
    for (const evs of scenarios) for (const e of evs) await store.write({ payloads: [JSON.stringify(e)], workers: [] });
    for (const evs of scenarios) {
      const mem = emptyTask(evs[0]!.uuid!, 0);
      mem.seen_at = Infinity;
      for (const e of [...evs].sort((a, b) => a.timestamp - b.timestamp)) applyTaskEvent(mem, e);
      const stored = (await store.getTask(mem.uuid))!;
      expect(stored.state).toBe(mem.state);
      expect(stored.orphaned_at).toBe(5);
      expect(stored.orphan_reason).toBe(mem.orphan_reason);
      expect(stored.worker).toMatch(/^w[12]@h$/); // the derived event never set it
    }
    expect((await store.getTask('t0'))!.state).toBe('ORPHANED');
    expect((await store.getTask('t3'))!.state).toBe('SUCCESS');
    const page = await store.queryTasks({ states: ['ORPHANED'], limit: 10 });
    expect(page.tasks.map((t) => t.uuid).sort()).toEqual(['t0', 't1']);
    // orphaned tasks are not "unfinished": they do not come back into the live model on restart
    expect((await store.unfinishedTasks(100)).map((t) => t.uuid)).toEqual([]);
    // the timeline shows the orphaning
    expect((await store.getTaskEvents('t0')).map((e) => e.type)).toContain('task-orphaned');
  });
});
