import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTaskEvent, emptyTask } from '../../src/state/merge.js';
import type { CeleryEvent } from '../../src/state/types.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

// The SQL upsert is the twin of state/merge.ts: writing the events of a task one batch at a
// time, in any order, must give the task the in-memory merge gives.
const ev = (uuid: string, type: string, timestamp: number, extra: Partial<CeleryEvent> = {}): CeleryEvent => ({
  type, timestamp, hostname: type === 'task-sent' ? 'gen1@client' : 'w1@host', uuid, clock: Math.round(timestamp * 10), ...extra,
});

const scenarios: Record<string, (u: string) => CeleryEvent[]> = {
  success: (u) => [
    ev(u, 'task-sent', 1, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', queue: 'celery', retries: 0 }),
    ev(u, 'task-received', 2, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', retries: 0 }),
    ev(u, 'task-started', 3),
    ev(u, 'task-succeeded', 4, { result: '3', runtime: 0.5 }),
  ],
  retry: (u) => [
    ev(u, 'task-sent', 1, { name: 'tasks.retry_once', retries: 0 }),
    ev(u, 'task-started', 3),
    ev(u, 'task-sent', 4.1, { retries: 1, hostname: 'gen2@child' }),
    ev(u, 'task-retried', 4.0, { exception: "RuntimeError('transient')", traceback: 'TB1' }),
    ev(u, 'task-started', 5.2, { hostname: 'w2@host' }),
    ev(u, 'task-failed', 5.3, { exception: "ValueError('final')", traceback: 'TB2', hostname: 'w2@host' }),
  ],
};

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('SQLite task upsert = in-memory merge', () => {
  let dir: string;
  let store: SqliteStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-merge-'));
    store = new SqliteStore({ path: join(dir, 'm.db'), maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
    await store.open();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, make] of Object.entries(scenarios)) {
    it(`${name}: every arrival order, one event per batch`, async () => {
      const base = make('x');
      const perms = permutations(base.map((_, i) => i));
      for (let p = 0; p < perms.length; p++) {
        const uuid = `${name}-${p}`;
        const events = make(uuid);
        for (const i of perms[p]!) await store.write({ payloads: [JSON.stringify(events[i])], workers: [] });
        const expected = emptyTask(uuid, 0);
        expected.seen_at = Infinity;
        for (const e of events) applyTaskEvent(expected, e);
        expect(await store.getTask(uuid)).toEqual(expected);
      }
    });
  }

  it('stores an event delivered twice once', async () => {
    const events = scenarios.success!('dup');
    const payload = JSON.stringify(events);
    const first = await store.write({ payloads: [payload], workers: [] });
    const second = await store.write({ payloads: [payload, payload], workers: [] });
    expect(first).toEqual({ inserted: 4, duplicates: 0 });
    expect(second).toEqual({ inserted: 0, duplicates: 8 });
    expect(await store.getTaskEvents('dup')).toHaveLength(4);
  });
});
