import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runPython, startWorker, type CeleryWorker } from '../helpers/celery.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, redisUrl } from '../helpers/services.js';
import { getJson, sleep, waitFor } from '../helpers/wait.js';

/**
 * Worker health against real Celery workers: a SIGKILLed worker becomes lost and its running
 * task ORPHANED; a warm shutdown is offline and orphans nothing; a worker with a 10 s heartbeat
 * is never shown lost with the default settings.
 */
const DB = REDIS_DB['health.redis'];
const BROKER = redisUrl(DB);

describe('worker health (Redis, real workers)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-health-'));
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: DB });
  let celeriac: CeleriacProcess;
  const workers: CeleryWorker[] = [];

  beforeAll(async () => {
    await redis.flushdb();
    celeriac = await startCeleriac(['--broker', BROKER, '--db', join(dir, 'health.db'), '--stale-limits', 'tasks.slow=2']);
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await celeriac?.stop();
    await redis.flushdb();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (path: string) => (await getJson(`${celeriac.url}${path}`)).body;
  const workerStatus = async (name: string) => ((await api('/api/v1/workers')).items as { hostname: string; status: string }[]).find((w) => w.hostname === name)?.status;
  const task = async (id: string) => (await getJson(`${celeriac.url}/api/v1/tasks/${id}`)).body.task;
  const metrics = async () => (await fetch(`${celeriac.url}/metrics`)).text();
  const send = async (code: string) => (await runPython(`from tasks import *\nr = ${code}\nprint(r.id)`, BROKER)).trim();

  it('a SIGKILLed worker becomes lost and its running task ORPHANED (API and /metrics)', async () => {
    const w = await startWorker({ broker: BROKER, name: 'kill@health', concurrency: 1 });
    workers.push(w);
    await waitFor(async () => (await workerStatus('kill@health')) === 'idle', 'worker idle');
    const id = await send('slow.delay(120)');
    await waitFor(async () => (await task(id))?.state === 'STARTED', 'task started');
    // online, not idle, once its heartbeat counts the running task
    await waitFor(async () => (await workerStatus('kill@health')) === 'online', 'worker busy');
    // running longer than its stale limit (tasks.slow=2 s): listed and counted as stale
    const stale = await waitFor(async () => {
      const body = await api('/api/v1/tasks?stale=1');
      return body.items.find((x: { uuid: string }) => x.uuid === id);
    }, 'task listed as stale');
    expect(stale.stale).toMatchObject({ kind: 'started', limit: 2 });
    expect((await api('/api/v1/stale?kind=received')).items).toEqual([]);
    await waitFor(async () => /celeriac_stale_tasks\{kind="started"\} 1\b/.test(await metrics()), 'stale metric');
    await w.kill();

    await waitFor(async () => (await workerStatus('kill@health')) === 'lost', 'worker lost', 30000);
    const t = await waitFor(async () => {
      const x = await task(id);
      return x?.state === 'ORPHANED' ? x : null;
    }, 'task orphaned', 15000);
    expect(t.orphan_reason).toBe('worker-lost');
    expect(t.orphaned_at).toBeGreaterThan(t.started);
    expect(t.worker).toBe('kill@health');

    const listed = await api('/api/v1/tasks?state=ORPHANED');
    expect(listed.items.map((x: { uuid: string }) => x.uuid)).toContain(id);
    const orphans = await api('/api/v1/orphans');
    expect(orphans.items.map((x: { uuid: string }) => x.uuid)).toContain(id);
    const events = (await getJson(`${celeriac.url}/api/v1/tasks/${id}`)).body.events.map((e: { type: string }) => e.type);
    expect(events).toContain('task-orphaned');

    const m = await waitFor(async () => {
      const text = await metrics();
      return /celeriac_orphaned_tasks_total\{reason="worker-lost"\} 1\b/.test(text) ? text : null;
    }, 'orphan metric');
    expect(m).toMatch(/flower_worker_online\{worker="kill@health"\} 0\b/);
    expect(m).toMatch(/celeriac_workers\{status="lost"\} 1\b/);
  });

  it('a warm shutdown shows offline and orphans no finished task', async () => {
    const w = await startWorker({ broker: BROKER, name: 'stop@health', concurrency: 2, args: ['-Q', 'stop'] });
    workers.push(w);
    await waitFor(async () => (await workerStatus('stop@health')) === 'idle', 'worker idle');
    const quick = await send("add.apply_async((1, 2), queue='stop')");
    const running = await send("slow.apply_async((3,), queue='stop')");
    await waitFor(async () => (await task(quick))?.state === 'SUCCESS', 'quick task done');
    await waitFor(async () => (await task(running))?.state === 'STARTED', 'slow task started');
    await w.stop(); // warm shutdown: waits for the running task, then worker-offline

    await waitFor(async () => (await workerStatus('stop@health')) === 'offline', 'worker offline');
    // past the orphan grace after worker-offline (2 s) and a few health ticks
    await sleep(4000);
    for (const id of [quick, running]) {
      const t = await task(id);
      expect(t.state).toBe('SUCCESS');
      expect(t.orphaned_at).toBeNull();
    }
    const orphans = await api('/api/v1/orphans?worker=stop@health');
    expect(orphans.items).toEqual([]);
    expect(await metrics()).toMatch(/flower_worker_online\{worker="stop@health"\} 0\b/);
  });

  it('a worker with a 10 s heartbeat is never shown lost with default settings', async () => {
    const w = await startWorker({ broker: BROKER, name: 'slowbeat@health', concurrency: 1, args: ['--heartbeat-interval', '10'] });
    workers.push(w);
    await waitFor(async () => (await workerStatus('slowbeat@health')) === 'idle', 'worker idle');
    const seen = new Set<string>();
    const end = Date.now() + 25000; // more than 2 × 10 s
    while (Date.now() < end) {
      seen.add(String(await workerStatus('slowbeat@health')));
      await sleep(500);
    }
    expect([...seen]).toEqual(['idle']);
    const after = ((await api('/api/v1/workers')).items as { hostname: string; freq: number }[]).find((x) => x.hostname === 'slowbeat@health')!;
    expect(after.freq).toBe(10);
  });

  it('drops long-gone workers from live views and metrics after --purge-offline-workers, keeps them in history', async () => {
    const other = await startCeleriac(['--broker', BROKER, '--db', join(dir, 'purge.db'), '--purge-offline-workers', '3']);
    try {
      const list = async (q = '') => ((await getJson(`${other.url}/api/v1/workers${q}`)).body.items as { hostname: string; status: string }[]);
      const w = await startWorker({ broker: BROKER, name: 'purge@health', concurrency: 1, args: ['-Q', 'purge'] });
      workers.push(w);
      await waitFor(async () => (await list()).some((x) => x.hostname === 'purge@health' && x.status === 'idle'), 'worker idle');
      await runPython(`from tasks import *\nadd.apply_async((1, 1), queue='purge')`, BROKER);
      await waitFor(async () => /flower_events_total\{[^}]*worker="purge@health"/.test(await (await fetch(`${other.url}/metrics`)).text()), 'worker series');
      await w.stop();
      await waitFor(async () => (await list()).some((x) => x.hostname === 'purge@health' && x.status === 'offline'), 'worker offline');
      await waitFor(async () => !(await list()).some((x) => x.hostname === 'purge@health'), 'worker purged from the live view');
      const metrics = await (await fetch(`${other.url}/metrics`)).text();
      expect(metrics).not.toMatch(/worker="purge@health"/);
      const history = await list('?all=1');
      expect(history.find((x) => x.hostname === 'purge@health')?.status).toBe('offline');
      expect((await getJson(`${other.url}/api/v1/workers/purge@health`)).body.worker.status).toBe('offline');
    } finally {
      await other.stop();
    }
  });
});
