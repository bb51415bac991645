import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runPython, startWorker, type CeleryWorker } from '../helpers/celery.js';
import { getJson, waitFor } from '../helpers/wait.js';

// The spine end to end, the same for every broker (spine.redis.test.ts, spine.rabbitmq.test.ts):
// a real Celery worker runs successes, a failure with a traceback, a retry, a revoked task and an
// ETA task; the API then shows each one right.
export interface SpineBroker {
  /** Runs before anything else and returns the broker URL for Celeriac and the worker. */
  setup(): Promise<string>;
  teardown?(): Promise<void>;
}

const SEND = `
import json, time
from tasks import app, add, fail, retry_once, slow, echo_kwargs
ids = {}
ids['add'] = add.delay(2, 3).id
ids['fail'] = fail.delay('kaboom').id
ids['retry'] = retry_once.delay('v').id
ids['eta'] = add.apply_async((10, 20), countdown=2).id
ids['kwargs'] = echo_kwargs.delay(a=1, text='h\\u00e9llo <b>x</b>').id
r = slow.apply_async((5,), countdown=3)
ids['revoked'] = r.id
time.sleep(0.5)
app.control.revoke(r.id)
print(json.dumps(ids))
`;

export function runSpineScenario(label: string, brokerEnv: SpineBroker): void {
  describe(`spine on ${label} with a real Celery worker`, () => {
    let BROKER = '';
    let dir: string;
    let celeriac: CeleriacProcess;
    let worker: CeleryWorker;
    let ids: Record<string, string>;
    const api = (path: string) => getJson(`${celeriac.url}${path}`);

    beforeAll(async () => {
      BROKER = await brokerEnv.setup();
      dir = mkdtempSync(join(tmpdir(), 'celeriac-spine-'));
      celeriac = await startCeleriac(['--broker', BROKER, '--db', join(dir, 'c.db')]);
      worker = await startWorker({ broker: BROKER, name: 'spine1@%h' });
      ids = JSON.parse(await runPython(SEND, BROKER)) as Record<string, string>;
      const finals = ['SUCCESS', 'FAILURE', 'REVOKED'];
      for (const id of Object.values(ids)) {
        await waitFor(async () => {
          const r = await api(`/api/v1/tasks/${id}`);
          return r.status === 200 && finals.includes(r.body.task.state) && (r.body.task.state !== 'SUCCESS' || r.body.task.runtime !== null);
        }, `task ${id} to finish`, 60000);
      }
    });

    afterAll(async () => {
      await worker?.stop();
      await celeriac?.stop();
      rmSync(dir, { recursive: true, force: true });
      await brokerEnv.teardown?.();
    });

    it('shows a success with its args, result, worker and runtime', async () => {
      const { body } = await api(`/api/v1/tasks/${ids.add}`);
      expect(body.task).toMatchObject({ name: 'tasks.add', state: 'SUCCESS', args: '(2, 3)', kwargs: '{}', result: '5', retries: 0, queue: 'celery' });
      expect(body.task.worker).toMatch(/^spine1@/);
      expect(body.task.runtime).toBeGreaterThan(0);
      expect(body.task.queue_wait).toBeGreaterThanOrEqual(0);
      expect(body.events.map((e: { type: string }) => e.type).sort()).toEqual(['task-received', 'task-sent', 'task-started', 'task-succeeded']);
    });

    it('shows a failure with its exception and traceback', async () => {
      const { body } = await api(`/api/v1/tasks/${ids.fail}`);
      expect(body.task).toMatchObject({ name: 'tasks.fail', state: 'FAILURE', args: "('kaboom',)", exception: "ValueError('kaboom')", exception_type: 'ValueError' });
      expect(body.task.traceback).toContain('ValueError: kaboom');
    });

    it('shows a retried task that then succeeded, with its retry count', async () => {
      const { body } = await api(`/api/v1/tasks/${ids.retry}`);
      expect(body.task).toMatchObject({ name: 'tasks.retry_once', state: 'SUCCESS', retries: 1, exception: expect.stringContaining('transient failure') });
      expect(body.task.retried).not.toBeNull();
      expect(body.task.result).toContain("'retries': 1");
      const types = body.events.map((e: { type: string }) => e.type);
      expect(types.filter((t: string) => t === 'task-started')).toHaveLength(2);
      expect(types).toContain('task-retried');
    });

    it('shows the ETA task with its eta, run after it', async () => {
      const { body } = await api(`/api/v1/tasks/${ids.eta}`);
      expect(body.task).toMatchObject({ state: 'SUCCESS', result: '30', args: '(10, 20)' });
      expect(Date.parse(body.task.eta) / 1000).toBeLessThanOrEqual(body.task.started + 0.05);
      expect(body.task.queue_wait).toBeNull();
    });

    it('shows the revoked task as REVOKED', async () => {
      const { body } = await api(`/api/v1/tasks/${ids.revoked}`);
      expect(body.task).toMatchObject({ name: 'tasks.slow', state: 'REVOKED', started: null });
    });

    it('keeps unicode and markup in kwargs as the text Celery sent', async () => {
      const { body } = await api(`/api/v1/tasks/${ids.kwargs}`);
      expect(body.task.kwargs).toBe("{'a': 1, 'text': 'héllo <b>x</b>'}");
    });

    it('serves the Flower-compatible routes', async () => {
      const tasks = await api('/api/tasks?limit=100');
      expect(Object.keys(tasks.body)).toEqual(expect.arrayContaining(Object.values(ids)));
      expect(tasks.body[ids.add!]).toMatchObject({ uuid: ids.add, state: 'SUCCESS', result: '5', root_id: ids.add, children: [] });
      const failures = await api('/api/tasks?state=FAILURE');
      expect(Object.keys(failures.body)).toEqual([ids.fail]);
      const byName = await api('/api/tasks?taskname=tasks.slow');
      expect(Object.keys(byName.body)).toEqual([ids.revoked]);
      const search = await api(`/api/tasks?search=${encodeURIComponent('kwargs:héllo')}`);
      expect(Object.keys(search.body)).toEqual([ids.kwargs]);
      const info = await api(`/api/task/info/${ids.fail}`);
      expect(info.body).toMatchObject({ uuid: ids.fail, state: 'FAILURE' });
      expect((await api('/api/task/info/nope')).status).toBe(404);
      const types = await api('/api/task/types');
      expect(types.body['task-types']).toEqual(expect.arrayContaining(['tasks.add', 'tasks.fail', 'tasks.retry_once', 'tasks.slow', 'tasks.echo_kwargs']));
      const workers = await api('/api/workers');
      const name = Object.keys(workers.body).find((w) => w.startsWith('spine1@'))!;
      expect(name).toBeDefined();
      expect((await api('/api/workers?status=1')).body[name]).toBe(true);
      expect((await api('/api/workers?workername=ghost@nowhere')).status).toBe(404);
      const hc = await fetch(`${celeriac.url}/healthcheck`);
      expect(await hc.text()).toBe('OK');
    });

    it('filters and pages the native task list with cursors', async () => {
      const all = await api('/api/v1/tasks?limit=2');
      expect(all.body.items).toHaveLength(2);
      const seen = new Set(all.body.items.map((t: { uuid: string }) => t.uuid));
      let cursor = all.body.next_cursor;
      while (cursor) {
        const page = await api(`/api/v1/tasks?limit=2&cursor=${cursor}`);
        for (const t of page.body.items) {
          expect(seen.has(t.uuid)).toBe(false);
          seen.add(t.uuid);
        }
        cursor = page.body.next_cursor;
      }
      expect([...seen].sort()).toEqual(Object.values(ids).sort());
      const multi = await api('/api/v1/tasks?state=FAILURE,REVOKED');
      expect(multi.body.items.map((t: { uuid: string }) => t.uuid).sort()).toEqual([ids.fail, ids.revoked].sort());
      const q = await api(`/api/v1/tasks?q=${encodeURIComponent('name:tasks.* -state:SUCCESS')}`);
      expect(q.body.items).toHaveLength(2);
      const exc = await api('/api/v1/tasks?exception_type=ValueError');
      expect(exc.body.items.map((t: { uuid: string }) => t.uuid)).toEqual([ids.fail]);
    });

    it('answers bad requests with a 4xx and a stable error code', async () => {
      expect(await api('/api/v1/tasks?limit=abc')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_PARAMETER' } } });
      expect(await api('/api/v1/tasks?q=colour:red')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_SEARCH' } } });
      expect(await api('/api/v1/tasks?cursor=bogus')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_CURSOR' } } });
      expect(await api('/api/v1/tasks?received_from=yesterday')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_PARAMETER' } } });
      expect(await api('/api/v1/tasks/does-not-exist')).toMatchObject({ status: 404, body: { error: { code: 'TASK_NOT_FOUND' } } });
      expect(await api('/api/v1/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
      expect(await api('/api/tasks?sort_by=colour')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_PARAMETER' } } });
    });

    it('lists the worker as online, with its heartbeat', async () => {
      const { body } = await api('/api/v1/workers');
      const w = body.items.find((x: { hostname: string }) => x.hostname.startsWith('spine1@'));
      expect(w).toMatchObject({ alive: true, sw_ident: 'py-celery' });
      expect(['online', 'idle']).toContain(w.status); // idle = online with nothing running
      expect(w.heartbeat_age).toBeLessThan(w.freq * 2);
    });

    it('exposes Flower metrics and readiness', async () => {
      const text = await (await fetch(`${celeriac.url}/metrics`)).text();
      expect(text).toMatch(/flower_events_total\{worker="spine1@[^"]+",type="task-succeeded",task="tasks.add"\} [1-9]/);
      expect(text).toMatch(/flower_task_runtime_seconds_count\{worker="spine1@[^"]+",task="tasks.add"\} [1-9]/);
      expect(text).toMatch(/flower_worker_online\{worker="spine1@[^"]+"\} 1/);
      expect(text).toMatch(/flower_worker_number_of_currently_executing_tasks\{worker="spine1@[^"]+"\}/);
      expect(text).toMatch(/flower_task_prefetch_time_seconds\{/);
      expect(text).toMatch(/flower_worker_prefetched_tasks\{/);
      expect(text).toMatch(/celeriac_malformed_messages_total/);
      const ready = await api('/readyz');
      expect(ready).toMatchObject({ status: 200, body: { status: 'ready', broker: { connected: true }, store: { connected: true } } });
    });

    it('a worker shut down cleanly is shown offline', async () => {
      await worker.stop();
      await waitFor(async () => {
        const { body } = await api('/api/v1/workers');
        return body.items.find((x: { hostname: string; status: string }) => x.hostname.startsWith('spine1@') && x.status === 'offline');
      }, 'worker offline', 20000);
      const text = await (await fetch(`${celeriac.url}/metrics`)).text();
      expect(text).toMatch(/flower_worker_online\{worker="spine1@[^"]+"\} 0/);
    });
  });
}
