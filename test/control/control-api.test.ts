/**
 * Remote control through Celeriac's HTTP API against real Celery workers: every command has
 * an effect seen on the worker (inspect replies, events, the process exiting).
 * Redis always; RabbitMQ too once the runtime ingests AMQP events (the control plane itself is
 * covered on RabbitMQ, without the event adapter, by control-amqp.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runPython, startWorker, type CeleryWorker } from '../helpers/celery.js';
import { REDIS_DB, redisUrl } from '../helpers/services.js';
import { getJson, waitFor } from '../helpers/wait.js';
import { amqpEventsSupported, deleteVhost, flushRedis, freshVhost, post, waitTask } from './setup.js';

const VHOST = 'celeriac-test-control-api';
const brokers: { kind: string; setup: () => Promise<string>; teardown: () => Promise<void> }[] = [
  {
    kind: 'redis',
    setup: async () => {
      await flushRedis(REDIS_DB['control.redis']);
      return redisUrl(REDIS_DB['control.redis']);
    },
    teardown: () => flushRedis(REDIS_DB['control.redis']),
  },
];
if (amqpEventsSupported()) {
  brokers.push({ kind: 'amqp', setup: async () => freshVhost(VHOST), teardown: async () => deleteVhost(VHOST) });
}

describe.each(brokers)('remote control over $kind', ({ kind, setup, teardown }) => {
  const W = `ctl-${kind}@vm`;
  let broker: string;
  let worker: CeleryWorker;
  let app: CeleriacProcess;
  let base: string;
  let dir: string;

  const inspect = async () => {
    const r = await getJson(`${base}/api/v1/workers/${W}/inspect?refresh=1`);
    return r.status === 200 ? r.body : null;
  };
  const control = (command: string, body: unknown = {}) => post(`${base}/api/v1/workers/${W}/control/${command}`, body);

  beforeAll(async () => {
    broker = await setup();
    dir = mkdtempSync(join(tmpdir(), 'celeriac-control-'));
    worker = await startWorker({ broker, name: W, concurrency: 2 });
    app = await startCeleriac(['--broker', broker, '--db', join(dir, 'c.db'), '--inspect-timeout', '2000', '--inspect-interval', '0']);
    base = app.url;
    await waitFor(async () => (await getJson(`${base}/api/v1/workers/${W}`)).body?.worker?.alive, 'worker online in the API');
  });

  afterAll(async () => {
    await worker?.kill();
    await app?.stop();
    await teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('inspects a worker: the eight answers, and Flower\'s /api/workers?refresh=1 carries them', async () => {
    const e = await inspect();
    expect(e.stats.pool['max-concurrency']).toBe(2);
    expect(e.active_queues.map((q: any) => q.name)).toEqual(['celery']);
    expect(e.registered).toContain('tasks.add');
    for (const k of ['scheduled', 'active', 'reserved', 'revoked']) expect(Array.isArray(e[k])).toBe(true);
    expect(typeof e.conf).toBe('object');
    const flower = await getJson(`${base}/api/workers?refresh=1`);
    expect(flower.status).toBe(200);
    expect(flower.body[W].registered).toContain('tasks.add');
    expect(flower.body[W].stats.pid).toBe(e.stats.pid);
    if (kind === 'redis') {
      // Every call removed its reply binding and reply lists (celery-wire.md §5.3).
      const r = new Redis(broker);
      const members = await r.smembers('_kombu.binding.reply.celery.pidbox');
      const leftovers = await r.keys('*.reply.celery.pidbox*');
      r.disconnect();
      expect(members).toEqual([]);
      expect(leftovers).toEqual([]);
    }
    const unknown = await getJson(`${base}/api/v1/workers/nobody@nowhere/inspect`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('WORKER_NOT_FOUND');
  });

  it('grows and shrinks the pool (stats)', async () => {
    const before = (await inspect()).stats.pool.processes.length;
    const g = await control('pool_grow', { n: 1 });
    expect(g.body).toEqual({ ok: true, reply: { ok: 'pool will grow' } });
    await waitFor(async () => (await inspect())?.stats.pool.processes.length === before + 1, 'pool grown');
    const f = await post(`${base}/api/worker/pool/shrink/${W}?n=1`);
    expect(f.body).toEqual({ message: `Shrinking '${W}' worker's pool by 1` });
    await waitFor(async () => (await inspect())?.stats.pool.processes.length === before, 'pool shrunk');
  });

  it('adds and cancels a consumer (active_queues)', async () => {
    const a = await post(`${base}/api/worker/queue/add-consumer/${W}?queue=extra`);
    expect(a.body).toEqual({ message: 'add consumer extra' });
    await waitFor(async () => (await inspect())?.active_queues.some((q: any) => q.name === 'extra'), 'consuming extra');
    const c = await control('cancel_consumer', { queue: 'extra' });
    expect(c.body.ok).toBe(true);
    expect(c.body.reply.ok).toBe('no longer consuming from extra');
    await waitFor(async () => !(await inspect())?.active_queues.some((q: any) => q.name === 'extra'), 'no longer consuming extra');
  });

  it('sets rate and time limits; the worker answers, and refuses what it cannot do', async () => {
    const r = await post(`${base}/api/task/rate-limit/tasks.add?workername=${W}&ratelimit=10/m`);
    expect(r.body).toEqual({ message: 'new rate limit set successfully' });
    const r2 = await control('rate_limit', { task_name: 'tasks.nope', rate_limit: '1/s' });
    expect(r2.body.ok).toBe(false);
    expect(r2.body.reply.error).toMatch(/unknown task/i);
    const t = await control('time_limit', { task_name: 'tasks.slow', soft: 30, hard: 60 });
    expect(t.body).toEqual({ ok: true, reply: { ok: 'time limits set successfully' } });
    // No autoscaler and no pool restarts on this worker: the worker says so.
    const s = await post(`${base}/api/worker/pool/autoscale/${W}?min=1&max=3`);
    expect(s.status).toBe(403);
    const pr = await control('pool_restart', {});
    expect(pr.body.ok).toBe(false);
    // Started with -E: enable/disable answer "already" (celery-wire.md §4.5).
    const en = await control('enable_events');
    expect(en.body.reply.ok).toMatch(/task events/);
    const dis = await control('disable_events');
    expect(dis.body.reply.ok).toMatch(/task events/);
    const bad = await control('pool_grow', { n: 'lots' });
    expect(bad.status).toBe(400);
  });

  it('sends a task by name; it runs and its result shows', async () => {
    const s = await post(`${base}/api/v1/tasks/send`, { name: 'tasks.add', args: [2, 3] });
    expect(s.status).toBe(200);
    const d = await waitTask(base, s.body.task_id, (t) => t.state === 'SUCCESS', 'sent task succeeded');
    expect(d.task.result).toBe('5');
    expect(d.task.args).toBe('(2, 3)');
    // Celeriac's task-sent event travels on another connection than the worker's events, so
    // it may be stored after them (as with Celery's own clients); it must arrive, and the
    // task stays SUCCESS when it does.
    const withSent = await waitFor(async () => {
      const r = await getJson(`${base}/api/v1/tasks/${s.body.task_id}`);
      return r.body.events?.some((e: any) => e.type === 'task-sent') ? r.body : null;
    }, 'task-sent stored', 10000, 100);
    expect(withSent.task.state).toBe('SUCCESS');
    // Flower's route, with a countdown: the eta keeps 6 fraction digits (celery-wire.md §6.1).
    const f = await post(`${base}/api/task/send-task/tasks.echo_kwargs`, { kwargs: { text: 'héllo' }, countdown: 1 });
    const d2 = await waitTask(base, f.body['task-id'], (t) => t.state === 'SUCCESS', 'countdown task succeeded');
    expect(d2.task.eta).toMatch(/\.\d{6}\+00:00$/);
    expect(d2.task.result).toBe("{'text': 'héllo'}");
    const apply = await post(`${base}/api/task/apply/tasks.add`, { args: [1, 1] });
    expect(apply.status).toBe(503);
  });

  it('retries a failed task: it runs again and the two are linked', async () => {
    const s = await post(`${base}/api/v1/tasks/send`, { name: 'tasks.fail', args: ['again'] });
    await waitTask(base, s.body.task_id, (t) => t.state === 'FAILURE', 'task failed');
    const r = await post(`${base}/api/v1/tasks/${s.body.task_id}/retry`, undefined, { 'x-celeriac-user': 'alice' });
    expect(r.status).toBe(200);
    expect(r.body.retry_of).toBe(s.body.task_id);
    const d = await waitTask(base, r.body.task_id, (t) => t.state === 'FAILURE', 'retry ran');
    expect(d.task.args).toBe("('again',)");
    expect(d.task.exception).toMatch(/again/);
    expect(d.links).toEqual({ retry_of: s.body.task_id, retried_as: [] });
    const orig = await getJson(`${base}/api/v1/tasks/${s.body.task_id}`);
    expect(orig.body.links.retried_as).toEqual([r.body.task_id]);
    const audit = await getJson(`${base}/api/v1/audit?action=retry`);
    expect(audit.body.items[0]).toMatchObject({ actor: 'alice', action: 'retry', target: s.body.task_id, outcome: 'ok' });
  });

  it('refuses to retry a task whose stored args are not plain literals', async () => {
    // Celery cuts argsrepr at 1024 characters, so this task's args cannot be read back.
    const id = (await runPython('from tasks import add; print(add.apply_async(args=(list(range(600)), [1])).id)', broker)).trim();
    await waitTask(base, id, (t) => t.state === 'SUCCESS', 'big-args task done');
    const r = await post(`${base}/api/v1/tasks/${id}/retry`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toMatch(/not plain literals/);
    const audit = await getJson(`${base}/api/v1/audit?action=retry&target=${id}`);
    expect(audit.body.items[0].outcome).toBe('error');
  });

  it('terminates a running task (task-revoked, state REVOKED)', async () => {
    const s = await post(`${base}/api/v1/tasks/send`, { name: 'tasks.slow', args: [60] });
    await waitTask(base, s.body.task_id, (t) => t.state === 'STARTED', 'slow task started');
    const r = await post(`${base}/api/task/revoke/${s.body.task_id}?terminate=true`);
    expect(r.body).toEqual({ message: `Revoked '${s.body.task_id}'` });
    const d = await waitTask(base, s.body.task_id, (t) => t.state === 'REVOKED', 'task revoked');
    expect(d.task.terminated).toBe(true);
    expect(d.events.map((e: any) => e.type)).toContain('task-revoked');
  });

  it('shuts the worker down (worker-offline); inspecting it then fails within the timeout', async () => {
    const r = await post(`${base}/api/worker/shutdown/${W}`);
    expect(r.body).toEqual({ message: 'Shutting down!' });
    await waitFor(() => worker.proc.exitCode !== null, 'worker process exited');
    await waitFor(async () => (await getJson(`${base}/api/v1/workers/${W}`)).body.worker.status === 'offline', 'worker offline');
    const gone = await getJson(`${base}/api/v1/workers/${W}/inspect?refresh=1`);
    expect(gone.status).toBe(504);
    expect(gone.body.error.code).toBe('TIMEOUT');
    const c = await control('ping');
    expect(c.status).toBe(504);
  });
});
