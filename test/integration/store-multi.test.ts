import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runFlood, type FloodSummary } from '../helpers/flood.js';
import { createTestDatabase, dropTestDatabase, resetSchema } from '../helpers/postgres.js';
import { REDIS_DB, redisUrl } from '../helpers/services.js';
import { getJson, sleep, waitFor } from '../helpers/wait.js';

// Two Celeriac instances on one PostgreSQL database and one Redis broker. On Redis both
// receive every event (pub/sub), so both write everything: the store must keep each event
// once and merge tasks identically whatever instance gets there first, and losing one
// instance must lose nothing.
const DB = 'celeriac_test_multi';
const BROKER = redisUrl(REDIS_DB['store-multi.redis']);
const TASKS = 25000;
// The flood alone takes minutes on a busy machine: these tests wait for it, not for a clock.
const LONG = 1_800_000;

interface Stats {
  tasks: number;
  events: number;
  by_state: Record<string, number>;
}

let url = '';
const running: CeleriacProcess[] = [];

async function start(): Promise<CeleriacProcess> {
  const p = await startCeleriac(['--broker', BROKER, '--db', url, '--no-enable-events']);
  running.push(p);
  return p;
}

const stats = async (p: CeleriacProcess) => (await getJson<Stats>(`${p.url}/api/v1/stats`)).body;

function expectedOf(s: FloodSummary): Stats {
  const events = Object.entries(s.events_by_type).filter(([t]) => t.startsWith('task-')).reduce((n, [, c]) => n + c, 0);
  const tasks = Object.values(s.tasks_by_final_state).reduce((n, c) => n + c, 0);
  return { tasks, events, by_state: s.tasks_by_final_state };
}

/**
 * Waits until the instance's API shows what the flood sent. On a busy machine an instance may
 * still be writing its backlog long after the flood ended, so this waits as long as the counts
 * keep moving and gives up only when they stall.
 */
async function expectEverything(p: CeleriacProcess, want: Stats): Promise<void> {
  let last = '';
  let lastChange = Date.now();
  for (;;) {
    const s = await stats(p);
    if (s.events >= want.events && s.tasks >= want.tasks) break;
    const now = JSON.stringify([s.events, s.tasks]);
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 90_000) {
      const metrics = (await (await fetch(`${p.url}/metrics`)).text()).split('\n').filter((l) => /^celeriac_(events|store|messages|malformed|broker)/.test(l));
      throw new Error(`${p.url} stalled below ${want.events} events\nstats: ${JSON.stringify(s)}\n${metrics.join('\n')}\noutput:\n${p.output().slice(-3000)}`);
    }
    await sleep(1000);
  }
  const s = await stats(p);
  expect({ tasks: s.tasks, events: s.events, by_state: s.by_state }).toEqual(want);
  const page = await getJson<{ items: { uuid: string; state: string }[]; next_cursor: string | null }>(`${p.url}/api/v1/tasks?limit=5&state=FAILURE`);
  expect(page.body.items).toHaveLength(5);
  expect(page.body.items.every((t) => t.state === 'FAILURE')).toBe(true);
}

beforeAll(async () => {
  url = await createTestDatabase(DB);
});

afterAll(async () => {
  for (const p of running) await p.kill();
  await dropTestDatabase(DB);
});

describe('several Celeriac instances on one PostgreSQL', () => {
  it('two instances store a 100,000-event flood exactly once', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const summary = await runFlood({ broker: BROKER, tasks: TASKS, procs: 2 });
    const want = expectedOf(summary);
    expect(want.events).toBe(TASKS * 4);
    await expectEverything(a, want);
    await expectEverything(b, want);
    const dupMetric = async (p: CeleriacProcess) => {
      const m = await (await fetch(`${p.url}/metrics`)).text();
      return Number(/^celeriac_events_duplicate_total (\S+)/m.exec(m)?.[1] ?? 0) + Number(/^celeriac_events_stored_total (\S+)/m.exec(m)?.[1] ?? 0);
    };
    // Each instance either stored an event or found it already stored by the other.
    expect(await dupMetric(a)).toBe(want.events);
    expect(await dupMetric(b)).toBe(want.events);
    await Promise.all([a.stop(), b.stop()]);
  }, LONG);

  it('one instance killed (-9) mid-flood: the other stores everything', async () => {
    await resetSchema(url);
    const [a, b] = await Promise.all([start(), start()]);
    const flood = runFlood({ broker: BROKER, tasks: TASKS, procs: 2 });
    await waitFor(async () => (await stats(b)).events > 20000, 'instance B to store 20,000 events', LONG, 100);
    await b.kill();
    const want = expectedOf(await flood);
    await expectEverything(a, want);
    // A restarted instance serves the same history from the shared database.
    const c = await start();
    await expectEverything(c, want);
    await Promise.all([a.stop(), c.stop()]);
  }, LONG);
});
