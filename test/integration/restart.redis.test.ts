import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runFlood, type FloodSummary } from '../helpers/flood.js';
import { EventPublisher, taskEvent } from '../helpers/publish.js';
import { REDIS_DB, redisUrl } from '../helpers/services.js';
import { getJson, sleep, waitFor } from '../helpers/wait.js';

// History survives a restart, and start-up loads only what is in flight, not the history.
const DB_NO = REDIS_DB['restart.redis'];
const BROKER = redisUrl(DB_NO);

describe('restart on the same database', () => {
  let dir: string;
  let dbFile: string;
  let first: CeleriacProcess;
  let second: CeleriacProcess | undefined;
  let flood: FloodSummary;
  const pub = new EventPublisher(DB_NO);
  const unfinished = Array.from({ length: 5 }, () => randomUUID());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-restart-'));
    dbFile = join(dir, 'c.db');
    first = await startCeleriac(['--broker', BROKER, '--db', dbFile]);
    flood = await runFlood({ broker: BROKER, tasks: 3000, workers: 2, procs: 1, multi: 8, hostnamePrefix: 'rs' });
    for (const id of unfinished) {
      await pub.events([taskEvent('task-received', id), taskEvent('task-started', id)]);
    }
    await waitFor(async () => (await getJson(`${first.url}/api/v1/stats`)).body.tasks === 3005, 'first instance to store everything');
  });

  afterAll(async () => {
    await pub.close();
    await first?.kill();
    await second?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every task across a stop and a start, and loads only unfinished ones', async () => {
    const before = (await getJson(`${first.url}/api/v1/stats`)).body;
    const sample = (await getJson(`${first.url}/api/v1/tasks?limit=20`)).body.items;
    expect(await first.stop()).toBe(0);

    second = await startCeleriac(['--broker', BROKER, '--db', dbFile]);
    const after = (await getJson(`${second.url}/api/v1/stats`)).body;
    expect(after.tasks).toBe(before.tasks);
    expect(after.events).toBe(before.events);
    expect(after.by_state).toEqual({ ...flood.tasks_by_final_state, STARTED: 5 });
    // the live model holds the 5 unfinished tasks, not the 3000 finished ones
    expect(after.inflight).toBe(5);
    for (const t of sample) {
      const { body } = await getJson(`${second.url}/api/v1/tasks/${t.uuid}`);
      expect(body.task).toEqual(t);
    }
    const workers = (await getJson(`${second.url}/api/v1/workers`)).body.items.map((w: { hostname: string }) => w.hostname);
    expect(workers).toEqual(expect.arrayContaining(flood.worker_hostnames));
  });

  it('finishes a task that was in flight before the restart', async () => {
    await pub.events([taskEvent('task-succeeded', unfinished[0]!)]);
    await waitFor(async () => (await getJson(`${second!.url}/api/v1/tasks/${unfinished[0]}`)).body.task?.state === 'SUCCESS', 'task to finish');
    const { body } = await getJson(`${second!.url}/api/v1/tasks/${unfinished[0]}`);
    expect(body.task).toMatchObject({ name: 'tasks.add', args: '(1, 2)', result: '3' });
    await sleep(200);
    expect((await getJson(`${second!.url}/api/v1/stats`)).body.inflight).toBe(4);
  });
});
