import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runPython, startWorker, type CeleryWorker } from '../helpers/celery.js';
import { REDIS_DB, redisUrl } from '../helpers/services.js';
import { getJson, sleep, waitFor } from '../helpers/wait.js';

// A worker started without -E sends only worker-* events. Celeriac's periodic enable_events
// broadcast turns its task events on; with --no-enable-events it stays silent.
const BROKER = redisUrl(REDIS_DB['enable-events.redis']);
const ADD = `from tasks import add\nprint(add.delay(4, 4).id)`;

describe('enable_events broadcast', () => {
  let dir: string;
  let celeriac: CeleriacProcess | undefined;
  let worker: CeleryWorker | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-ee-'));
  });
  afterAll(async () => {
    await worker?.stop();
    await celeriac?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with --no-enable-events a worker without -E sends no task events', async () => {
    celeriac = await startCeleriac(['--broker', BROKER, '--db', join(dir, 'a.db'), '--no-enable-events']);
    worker = await startWorker({ broker: BROKER, name: 'ee1@%h', events: false });
    // the worker shows up (worker events are on by default) ...
    await waitFor(async () => (await getJson(`${celeriac!.url}/api/v1/workers`)).body.items.some((w: { hostname: string }) => w.hostname.startsWith('ee1@')), 'worker seen');
    const id = (await runPython(ADD, BROKER)).trim();
    await sleep(3000);
    // ... but the task it ran is only known from the client's task-sent
    const r = await getJson(`${celeriac!.url}/api/v1/tasks/${id}`);
    expect(r.body.task.state).toBe('PENDING');
    await worker.stop();
    await celeriac.stop();
  });

  it('by default the worker begins sending task events', async () => {
    celeriac = await startCeleriac(['--broker', BROKER, '--db', join(dir, 'b.db'), '--enable-events-interval', '1']);
    worker = await startWorker({ broker: BROKER, name: 'ee2@%h', events: false });
    await sleep(2500);
    const id = (await runPython(ADD, BROKER)).trim();
    await waitFor(async () => (await getJson(`${celeriac!.url}/api/v1/tasks/${id}`)).body.task?.state === 'SUCCESS', 'task events from a worker without -E', 20000);
    const { body } = await getJson(`${celeriac!.url}/api/v1/tasks/${id}`);
    expect(body.task).toMatchObject({ result: '8', worker: expect.stringMatching(/^ee2@/) });
  });
});
