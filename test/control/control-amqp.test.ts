/**
 * The control plane over RabbitMQ, in process, against a real Celery worker. It does not need
 * Celeriac's AMQP event adapter: the test consumes the worker's events itself (a queue bound
 * to `celeryev`) and feeds them to a live model and a SQLite store, the way ingest does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ChannelModel } from 'amqplib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpControlTransport } from '../../src/control/amqp-transport.js';
import { ControlPlane } from '../../src/control/service.js';
import { decodePayload } from '../../src/ingest/decode.js';
import { LiveState } from '../../src/state/live.js';
import type { CeleryEvent } from '../../src/state/types.js';
// The built store: its writer thread must be JavaScript (npm test builds first).
import { SqliteStore } from '../../dist/store/sqlite/store.js';
import { startWorker, type CeleryWorker } from '../helpers/celery.js';
import { waitFor } from '../helpers/wait.js';
import { deleteVhost, freshVhost } from './setup.js';

const VHOST = 'celeriac-test-control';
const W = 'ctl-amqp@vm';
const caller = { actor: 'test', ip: null };

describe('control plane over RabbitMQ', () => {
  let broker: string;
  let worker: CeleryWorker;
  const events: CeleryEvent[] = [];
  let conn: ChannelModel;
  let store: SqliteStore;
  let state: LiveState;
  let plane: ControlPlane;
  let dir: string;

  const seen = (pred: (e: CeleryEvent) => boolean, what: string) => waitFor(() => events.find(pred), what);

  beforeAll(async () => {
    broker = freshVhost(VHOST);
    dir = mkdtempSync(join(tmpdir(), 'celeriac-control-amqp-'));
    store = new SqliteStore({ path: join(dir, 'c.db'), maxEventBytes: 524288, maxFieldBytes: 65536 });
    await store.open();
    state = new LiveState({ finishedCacheSize: 1000 });
    conn = await amqp.connect(broker);
    const ch = await conn.createChannel();
    await ch.assertExchange('celeryev', 'topic', { durable: true, autoDelete: false });
    const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(q.queue, 'celeryev', '#');
    await ch.consume(q.queue, (m) => {
      if (!m) return;
      const text = m.content.toString('utf8');
      decodePayload(text, 524288, { event: (ev) => { events.push(ev); state.apply(ev); }, malformed: () => undefined });
      void store.write({ payloads: [text], workers: [] });
    }, { noAck: true });
    const transport = new AmqpControlTransport({ url: broker, log: pino({ level: 'silent' }) });
    await transport.start();
    plane = new ControlPlane({ transport, store, state, log: pino({ level: 'silent' }), inspectTimeoutMs: 2000, instanceName: 'test' });
    worker = await startWorker({ broker, name: W, concurrency: 2 });
    await waitFor(() => state.workers.has(W), 'worker seen through its events');
  });

  afterAll(async () => {
    if (process.env.DEBUG_WORKER) console.log(worker?.output().slice(-6000));
    await worker?.kill();
    await plane?.stop();
    await conn?.close().catch(() => undefined);
    await store?.close();
    deleteVhost(VHOST);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('inspects the worker; an unknown worker is refused', async () => {
    const e = await plane.inspect(W, true);
    expect((e.stats as any).broker.transport).toBe('amqp');
    expect((e.registered as string[])).toContain('tasks.slow');
    await expect(plane.inspect('nobody@nowhere', true)).rejects.toMatchObject({ code: 'WORKER_NOT_FOUND' });
    // Concurrent refreshes of one worker share one round of broadcasts.
    const a = plane.inspector.refresh(W);
    expect(plane.inspector.refresh(W)).toBe(a);
    expect((await a).replied.get(W)).toHaveLength(8);
  });

  it('grows and shrinks the pool, adds and cancels a consumer, sets a rate limit', async () => {
    const procs = async () => ((await plane.inspect(W, true)).stats as any).pool.processes.length as number;
    const before = await procs();
    expect(await plane.control(caller, W, 'pool_grow', { n: 1 })).toEqual({ ok: true, reply: { ok: 'pool will grow' } });
    await waitFor(async () => (await procs()) === before + 1, 'pool grown');
    expect((await plane.control(caller, W, 'pool_shrink', { n: 1 })).ok).toBe(true);
    await waitFor(async () => (await procs()) === before, 'pool shrunk');
    const queues = async () => ((await plane.inspect(W, true)).active_queues as any[]).map((q) => q.name);
    expect((await plane.control(caller, W, 'add_consumer', { queue: 'extra' })).reply).toEqual({ ok: 'add consumer extra' });
    await waitFor(async () => (await queues()).includes('extra'), 'consuming extra');
    expect((await plane.control(caller, W, 'cancel_consumer', { queue: 'extra' })).ok).toBe(true);
    await waitFor(async () => !(await queues()).includes('extra'), 'extra cancelled');
    expect(await plane.control(caller, W, 'rate_limit', { task_name: 'tasks.add', rate_limit: '10/m' })).toEqual({
      ok: true, reply: { ok: 'new rate limit set successfully' },
    });
    expect((await plane.control(caller, W, 'autoscale', { min: 1, max: 2 })).ok).toBe(false);
  });

  it('sends a task by name (with a task-sent event); it runs', async () => {
    const { task_id } = await plane.sendTask(caller, { name: 'tasks.add', args: [20, 22], options: { priority: 3, expires: 60 } });
    await seen((e) => e.type === 'task-sent' && e.uuid === task_id, 'our task-sent event');
    const ok = await seen((e) => e.type === 'task-succeeded' && e.uuid === task_id, 'task succeeded');
    expect(ok.result).toBe('42');
  });

  it('retries a failed task; the retry runs and is linked', async () => {
    const { task_id } = await plane.sendTask(caller, { name: 'tasks.fail', kwargs: { msg: 'amqp retry' } });
    await waitFor(async () => (await store.getTask(task_id))?.state === 'FAILURE', 'failure stored');
    const r = await plane.retry(caller, task_id);
    const failed = await seen((e) => e.type === 'task-failed' && e.uuid === r.task_id, 'retry ran');
    expect(failed.exception).toMatch(/amqp retry/);
    expect(await store.taskLinks(r.task_id)).toEqual({ retry_of: task_id, retried_as: [] });
    expect(await store.taskLinks(task_id)).toEqual({ retry_of: null, retried_as: [r.task_id] });
  });

  it('terminates a running task', async () => {
    const { task_id } = await plane.sendTask(caller, { name: 'tasks.slow', args: [60] });
    await seen((e) => e.type === 'task-started' && e.uuid === task_id, 'slow task started');
    await plane.revoke(caller, task_id, true, 'SIGTERM');
    const ev = await seen((e) => e.type === 'task-revoked' && e.uuid === task_id, 'task-revoked');
    expect(ev.terminated).toBe(true);
    await waitFor(async () => (await store.getTask(task_id))?.state === 'REVOKED', 'REVOKED stored');
  });

  it('shuts the worker down; inspecting it afterwards fails within the timeout', async () => {
    await plane.control(caller, W, 'shutdown', {});
    await seen((e) => e.type === 'worker-offline' && e.hostname === W, 'worker-offline');
    await waitFor(() => worker.proc.exitCode !== null, 'worker exited');
    await expect(plane.inspect(W, true)).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(plane.control(caller, W, 'ping', {})).rejects.toMatchObject({ code: 'TIMEOUT' });
    const audit = await store.listAudit({ limit: 50 });
    expect(audit.items.map((a) => a.action)).toEqual(expect.arrayContaining(['shutdown', 'revoke', 'retry', 'pool_grow', 'ping']));
    expect(audit.items.find((a) => a.action === 'ping')!.outcome).toBe('error');
  });
});
