import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runPython, startWorker, type CeleryWorker } from '../helpers/celery.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, redisUrl } from '../helpers/services.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { getJson, sleep, waitFor } from '../helpers/wait.js';

/**
 * Reconciliation after a gap on Redis (pub/sub keeps nothing while Celeriac is away): tasks
 * that finished meanwhile get their real final state from the result backend; a task whose
 * result is gone and that no worker holds any more is ORPHANED 'unknown-after-gap', not left
 * STARTED; a task still running stays STARTED.
 */
const DB = REDIS_DB['reconcile.redis'];
const BROKER = redisUrl(DB);
const BACKEND = redisUrl(DB);

describe('reconciliation after a gap (Redis, real worker, Redis result backend)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-reconcile-'));
  const dbFile = join(dir, 'reconcile.db');
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: DB });
  let celeriac: CeleriacProcess | null = null;
  let worker: CeleryWorker | null = null;

  beforeAll(async () => {
    await redis.flushdb();
    worker = await startWorker({ broker: BROKER, name: 'rw@reconcile', concurrency: 4, env: { CELERY_RESULT_BACKEND: BACKEND } });
  });

  afterAll(async () => {
    await celeriac?.stop();
    await worker?.kill();
    await redis.flushdb();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const task = async (id: string) => (await getJson(`${celeriac!.url}/api/v1/tasks/${id}`)).body.task;
  const send = async (code: string) =>
    (await runPython(`from tasks import *\nr = ${code}\nprint(r.id)`, BROKER, { CELERY_RESULT_BACKEND: BACKEND })).trim();
  const meta = async (id: string) => {
    const v = await redis.get(`celery-task-meta-${id}`);
    return v ? (JSON.parse(v) as { status: string }) : null;
  };

  it('settles tasks that finished while Celeriac was stopped', async () => {
    celeriac = await startCeleriac(['--broker', BROKER, '--db', dbFile, '--result-backend', BACKEND]);
    const ids = await runPython(
      'from tasks import *\nprint(" ".join(r.id for r in [slow.delay(6), slow.delay(6), slow.delay(6), slow.delay(40)]))',
      BROKER,
      { CELERY_RESULT_BACKEND: BACKEND },
    );
    const [done1, done2, forgotten, longRunning] = ids.trim().split(' ') as [string, string, string, string];
    for (const id of [done1, done2, forgotten, longRunning]) {
      await waitFor(async () => (await task(id))?.state === 'STARTED', `task ${id} started`);
    }
    await celeriac.stop();
    celeriac = null;

    // While Celeriac is away the three short tasks finish; one result then disappears.
    for (const id of [done1, done2, forgotten]) await waitFor(async () => (await meta(id))?.status === 'SUCCESS', `result of ${id}`);
    await redis.del(`celery-task-meta-${forgotten}`);
    const fail = await send("fail.delay('during the gap')"); // never seen by Celeriac: not invented either

    celeriac = await startCeleriac(['--broker', BROKER, '--db', dbFile, '--result-backend', BACKEND]);
    for (const id of [done1, done2]) {
      const t = await waitFor(async () => {
        const x = await task(id);
        return x?.state === 'SUCCESS' ? x : null;
      }, `task ${id} SUCCESS from the result backend`);
      expect(t.result).toBe('6');
      expect(t.worker).toBe('rw@reconcile');
      expect(t.orphaned_at).toBeNull();
    }
    const lost = await waitFor(async () => {
      const x = await task(forgotten);
      return x?.state === 'ORPHANED' ? x : null;
    }, 'forgotten task marked unknown');
    expect(lost.orphan_reason).toBe('unknown-after-gap');
    // still running on the worker: left alone
    expect((await task(longRunning)).state).toBe('STARTED');
    expect((await getJson(`${celeriac.url}/api/v1/tasks/${fail}`)).status).toBe(404);

    const events = (await getJson(`${celeriac.url}/api/v1/tasks/${done1}`)).body.events as { type: string; data: { derived?: string } }[];
    expect(events.find((e) => e.type === 'task-succeeded')?.data.derived).toBe('result-backend');
    const metrics = await (await fetch(`${celeriac.url}/metrics`)).text();
    expect(metrics).toMatch(/celeriac_reconciled_tasks_total\{outcome="result-backend"\} 2\b/);
    expect(metrics).toMatch(/celeriac_orphaned_tasks_total\{reason="unknown-after-gap"\} 1\b/);

    // ... and when the long task ends, its real event wins as usual.
    const final = await waitFor(async () => {
      const x = await task(longRunning);
      return x?.state === 'SUCCESS' ? x : null;
    }, 'long task finished', 60000);
    expect(final.orphaned_at).toBeNull();
  });

  it('after a broker outage: no worker shown lost, and tasks finished meanwhile are settled on reconnect', async () => {
    // This Celeriac reaches Redis through a proxy the test can cut: a real outage, events lost.
    const proxy = await startTcpProxy(REDIS_HOST, REDIS_PORT);
    const viaProxy = `redis://127.0.0.1:${proxy.port}/${DB}`;
    const other = await startCeleriac(['--broker', viaProxy, '--db', join(dir, 'outage.db'), '--result-backend', BACKEND]);
    const get = async (path: string) => (await getJson(`${other.url}${path}`)).body;
    const workerStatus = async () => ((await get('/api/v1/workers')).items as { hostname: string; status: string }[]).find((x) => x.hostname === 'rw@reconcile')?.status;
    try {
      await waitFor(async () => ['idle', 'online'].includes(String(await workerStatus())), 'worker known');
      const ids = await runPython(
        'from tasks import *\nprint(" ".join(r.id for r in [slow.delay(5), slow.delay(5)]))',
        BROKER,
        { CELERY_RESULT_BACKEND: BACKEND },
      );
      const [a, b] = ids.trim().split(' ') as [string, string];
      for (const id of [a, b]) await waitFor(async () => (await get(`/api/v1/tasks/${id}`)).task?.state === 'STARTED', `task ${id} started`);

      proxy.cut();
      await waitFor(async () => (await getJson(`${other.url}/readyz`)).status === 503, 'celeriac sees the outage');
      for (const id of [a, b]) await waitFor(async () => (await meta(id))?.status === 'SUCCESS', `result of ${id}`);
      // longer than a 2 s-heartbeat worker may stay silent (3 × 2 s), watching its status
      const statuses = new Set<string>();
      const end = Date.now() + 8000;
      while (Date.now() < end) {
        statuses.add(String(await workerStatus()));
        await sleep(250);
      }
      expect((await get(`/api/v1/tasks/${a}`)).task.state).toBe('STARTED'); // the events were lost
      proxy.restore();

      for (const id of [a, b]) {
        const t = await waitFor(async () => {
          const x = (await get(`/api/v1/tasks/${id}`)).task;
          return x?.state === 'SUCCESS' ? x : null;
        }, `task ${id} settled after reconnecting`);
        expect(t.result).toBe('5');
      }
      statuses.add(String(await workerStatus()));
      expect([...statuses].filter((s) => s === 'lost')).toEqual([]);
      // the counters are bumped when the reconciliation run ends (after asking the workers)
      const metrics = await waitFor(async () => {
        const text = await (await fetch(`${other.url}/metrics`)).text();
        return /celeriac_reconciled_tasks_total\{outcome="result-backend"\} 2\b/.test(text) ? text : null;
      }, 'reconciliation metrics');
      expect(metrics).toMatch(/celeriac_broker_reconnects_total [1-9]/);
    } finally {
      await other.stop();
      await proxy.close();
    }
  });
});
