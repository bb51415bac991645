import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runFlood, type FloodSummary } from '../helpers/flood.js';
import { REDIS_DB, redisUrl } from '../helpers/services.js';
import { getJson, sleep } from '../helpers/wait.js';

// Zero loss on Redis: a known workload from Celery's own EventDispatcher (shared/tools/event-flood.py),
// more than 100,000 task events, one event per message and then task.multi batches of 24.
// What is stored must equal the flood's summary exactly, with no duplicates.
const BROKER = redisUrl(REDIS_DB['zero-loss.redis']);

function taskEventCount(s: FloodSummary): number {
  return Object.entries(s.events_by_type).filter(([t]) => t.startsWith('task-')).reduce((n, [, c]) => n + c, 0);
}

describe('zero loss under an event flood (Redis, SQLite)', () => {
  let dir: string;
  let celeriac: CeleriacProcess;
  const floods: FloodSummary[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-flood-'));
    celeriac = await startCeleriac(['--broker', BROKER, '--db', join(dir, 'c.db')]);
    floods.push(await runFlood({ broker: BROKER, tasks: 13000, workers: 4, procs: 2, multi: 1, hostnamePrefix: 'zl1' }));
    floods.push(await runFlood({ broker: BROKER, tasks: 13000, workers: 4, procs: 2, multi: 24, hostnamePrefix: 'zl2' }));
  }, 400_000); // the Python flood tool is slow on a busy 2-core machine

  afterAll(async () => {
    await celeriac?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every task event once and every task in its final state', async () => {
    const expectedEvents = floods.reduce((n, s) => n + taskEventCount(s), 0);
    expect(expectedEvents).toBeGreaterThanOrEqual(100000);
    const expectedStates: Record<string, number> = {};
    for (const s of floods) for (const [st, n] of Object.entries(s.tasks_by_final_state)) expectedStates[st] = (expectedStates[st] ?? 0) + n;

    // wait until the writer has caught up (the pending gauge is 0 and the count stops moving)
    let stats = (await getJson(`${celeriac.url}/api/v1/stats`)).body;
    for (let i = 0; i < 120 && stats.events < expectedEvents; i++) {
      await sleep(500);
      stats = (await getJson(`${celeriac.url}/api/v1/stats`)).body;
    }
    await sleep(500);
    stats = (await getJson(`${celeriac.url}/api/v1/stats`)).body;

    expect(stats.events).toBe(expectedEvents);
    expect(stats.by_state).toEqual(expectedStates);
    expect(stats.tasks).toBe(floods.reduce((n, s) => n + Object.values(s.tasks_by_final_state).reduce((a, b) => a + b, 0), 0));
    expect(stats.inflight).toBe(0);

    const metrics = await (await fetch(`${celeriac.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    expect(value('celeriac_events_duplicate_total')).toBe(0);
    expect(value('celeriac_events_dropped_total')).toBe(0);
    expect(value('celeriac_events_stored_total')).toBe(expectedEvents);
    expect(metrics).not.toMatch(/celeriac_malformed_messages_total\{/);
    expect(floods.every((s) => s.broker_messages > 0)).toBe(true);
  });
});
