/**
 * The one broker contract: the same suite runs against every BrokerAdapter (Redis in
 * broker-redis.test.ts, RabbitMQ in broker-rabbitmq.test.ts) with real brokers and a real
 * Celery worker. A harness supplies what differs between transports: how to publish, what a
 * broken transport frame looks like, and how to make the broker drop our connections.
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerAdapter, BrokerStatus, EventConsumer } from '../../src/broker/types.js';
import { decodePayload } from '../../src/ingest/decode.js';
import type { CeleryEvent } from '../../src/state/types.js';
import { runPython, startWorker, type CeleryWorker } from '../helpers/celery.js';
import { sleep, waitFor } from '../helpers/wait.js';

export const silentLog = pino({ level: 'silent' });

export interface BrokerHarness {
  /** Broker URL for Celery workers and clients. */
  celeryBroker: string;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  /** A new adapter (each call may get its own queue). Messages over `maxMessageBytes` are too large. */
  makeAdapter(opts: { maxMessageBytes: number }): BrokerAdapter;
  /** An adapter whose first connection cannot succeed. */
  makeUnreachableAdapter(): BrokerAdapter;
  /** Publishes one event message (payload = JSON text) to the event exchange as Celery would. */
  publishEvent(payload: string, routingKey: string): Promise<void>;
  /** Transport-level garbage: each entry publishes one bad message and names the kind it must count as. */
  transportMalformed: { kind: 'bad_envelope' | 'bad_base64'; publish: () => Promise<void> }[];
  /** Makes the broker close every connection the adapter under test holds. */
  dropConnections(): Promise<void>;
}

/** A consumer standing in for the ingest pipeline: decodes, records, and acks at once ("persisted"). */
/** Starts `adapter` expecting start() to fail; stops it and returns what start() threw (null if it did not). */
export async function startFailure(adapter: BrokerAdapter): Promise<{ code?: string; message?: string } | null> {
  const err = (await adapter.start(new Recorder()).then(
    () => null,
    (e: unknown) => e,
  )) as { code?: string; message?: string } | null;
  await adapter.stop();
  return err;
}

export class Recorder implements EventConsumer {
  events: CeleryEvent[] = [];
  malformedByKind: Record<string, number> = {};
  acked = 0;
  statuses: { status: BrokerStatus; reconnected: boolean }[] = [];
  adapter: BrokerAdapter | null = null;
  private readonly sink = {
    event: (ev: CeleryEvent) => this.events.push(ev),
    malformed: (kind: string) => this.count(kind),
  };

  constructor(private readonly autoAck = true) {}

  payload(text: string, ackToken: number | null): void {
    decodePayload(text, 1 << 20, this.sink);
    this.ack(ackToken);
  }

  malformed(kind: string, _detail: string, ackToken?: number | null): void {
    this.count(kind);
    this.ack(ackToken ?? null);
  }

  private count(kind: string): void {
    this.malformedByKind[kind] = (this.malformedByKind[kind] ?? 0) + 1;
  }

  private ack(token: number | null): void {
    if (token === null || !this.autoAck) return;
    this.acked++;
    this.adapter!.ackUpTo(token);
  }

  of(type: string, uuid?: string): CeleryEvent[] {
    return this.events.filter((e) => e.type === type && (uuid === undefined || e.uuid === uuid));
  }

  attach(adapter: BrokerAdapter): this {
    this.adapter = adapter;
    adapter.onStatus((status, info) => this.statuses.push({ status, reconnected: info.reconnected }));
    return this;
  }
}

let seq = 0;
/** A valid worker event from a made-up host (one per call). */
export function fakeWorkerEvent(tag: string): { payload: string; hostname: string } {
  const hostname = `contract-${tag}-${++seq}@test`;
  const ev = { type: 'worker-heartbeat', hostname, timestamp: Date.now() / 1000, clock: seq, utcoffset: 0, pid: 1, freq: 2, active: 0, processed: 0, loadavg: [0, 0, 0], sw_ident: 'py-celery', sw_ver: '5.2.6', sw_sys: 'Linux' };
  return { payload: JSON.stringify(ev), hostname };
}

/** A valid task.multi batch of one task-received event. */
export function fakeTaskBatch(uuid: string): string {
  return JSON.stringify([{ type: 'task-received', uuid, name: 'tasks.add', args: '(1, 2)', kwargs: '{}', hostname: 'contract@test', timestamp: Date.now() / 1000, clock: ++seq, utcoffset: 0, pid: 1, retries: 0 }]);
}

const TASK_SCRIPT = `
import json, time
from tasks import app, add, fail, retry_once, slow, reject_me
ids = {}
ids['add'] = add.delay(2, 3).id
ids['fail'] = fail.delay('contract failure').id
ids['retry'] = retry_once.delay('again').id
r = slow.apply_async((5,), countdown=2)
app.control.revoke(r.id)
ids['revoked'] = r.id
ids['reject'] = reject_me.delay().id
print(json.dumps(ids))
`;

export function runBrokerContract(name: string, harness: BrokerHarness): void {
  describe(`broker contract: ${name}`, () => {
    const open: BrokerAdapter[] = [];
    const start = async (rec: Recorder, maxMessageBytes = 1 << 20): Promise<BrokerAdapter> => {
      const a = harness.makeAdapter({ maxMessageBytes });
      open.push(a);
      rec.attach(a);
      await a.start(rec);
      return a;
    };

    beforeAll(async () => {
      await harness.setup?.();
    });
    afterEach(async () => {
      for (const a of open.splice(0)) await a.stop();
    });
    afterAll(async () => {
      await harness.teardown?.();
    });

    it('fails the first connection with one clear BROKER_CONNECT_FAILED line', async () => {
      const err = await startFailure(harness.makeUnreachableAdapter());
      expect(err?.code).toBe('BROKER_CONNECT_FAILED');
      expect(err?.message).toMatch(/^cannot connect to broker /);
      expect(err?.message).not.toMatch(/\n/);
      expect(err?.message).not.toContain('guest:guest');
    });

    it('delivers every event type from a real Celery worker, decoded; broadcasts reach the worker', async () => {
      const rec = new Recorder();
      const a = await start(rec);
      expect(a.isConnected()).toBe(true);
      expect(rec.statuses).toContainEqual({ status: 'connected', reconnected: false });
      let worker: CeleryWorker | null = null;
      try {
        // Started without -E: task events only flow after our enable_events broadcast.
        worker = await startWorker({ broker: harness.celeryBroker, name: `contract-${name}@test`, events: false });
        const host = `contract-${name}@test`;
        await waitFor(() => rec.of('worker-online').some((e) => e.hostname === host), 'worker-online');
        // The heartbeat cast is answered by a heartbeat with freq 5 (celery-wire.md §4.5).
        await waitFor(async () => {
          // Clocks past 127 once killed Celery workers on AMQP (py-amqp misread amqplib's short ints).
          await a.broadcast({ method: 'heartbeat', arguments: {}, destination: null, pattern: null, matcher: null }, 200);
          await sleep(300);
          return rec.of('worker-heartbeat').some((e) => e.hostname === host && e.freq === 5);
        }, 'worker-heartbeat answering the heartbeat broadcast', 20000, 10);
        await a.broadcast({ method: 'enable_events', arguments: {}, destination: null, pattern: null, matcher: null }, 40000);
        await sleep(500);
        const ids = JSON.parse((await runPython(TASK_SCRIPT, harness.celeryBroker)).trim().split('\n').pop()!) as Record<string, string>;
        await waitFor(
          () =>
            rec.of('task-succeeded', ids.add).length > 0 &&
            rec.of('task-failed', ids.fail).length > 0 &&
            rec.of('task-succeeded', ids.retry).length > 0 &&
            rec.of('task-revoked', ids.revoked).length > 0 &&
            rec.of('task-rejected', ids.reject).length > 0,
          'every terminal event',
          45000,
        );
        await worker.stop();
        worker = null;
        await waitFor(() => rec.of('worker-offline').some((e) => e.hostname === host), 'worker-offline');

        const types = new Set(rec.events.map((e) => e.type));
        for (const t of ['task-sent', 'task-received', 'task-started', 'task-succeeded', 'task-failed', 'task-retried', 'task-revoked', 'task-rejected', 'worker-online', 'worker-heartbeat', 'worker-offline']) {
          expect(types, t).toContain(t);
        }
        const sent = rec.of('task-sent', ids.add)[0]!;
        expect(sent).toMatchObject({ name: 'tasks.add', args: '(2, 3)' });
        expect(rec.of('task-received', ids.add)[0]).toMatchObject({ name: 'tasks.add', hostname: host });
        expect(rec.of('task-succeeded', ids.add)[0]).toMatchObject({ result: '5', hostname: host });
        expect(rec.of('task-failed', ids.fail)[0]!.exception).toBe("ValueError('contract failure')");
        expect(rec.of('task-failed', ids.fail)[0]!.traceback).toContain('Traceback');
        expect(rec.of('task-retried', ids.retry)[0]!.exception).toContain('transient failure');
        expect(rec.of('task-received', ids.retry).map((e) => e.retries).sort()).toEqual([0, 1]);
        expect(rec.of('task-revoked', ids.revoked)[0]).toMatchObject({ terminated: false, expired: false });
        expect(rec.of('task-rejected', ids.reject)[0]).toMatchObject({ requeue: false });
        for (const e of rec.events) {
          expect(typeof e.timestamp).toBe('number');
          expect(e.hostname).toBeTruthy();
        }
        expect(rec.malformedByKind).toEqual({});
      } finally {
        await worker?.kill();
      }
    });

    it('reconnects by itself after the broker drops its connections', async () => {
      const rec = new Recorder();
      const a = await start(rec);
      for (let round = 1; round <= 2; round++) {
        const reconnectsBefore = rec.statuses.filter((s) => s.status === 'connected' && s.reconnected).length;
        await harness.dropConnections();
        await waitFor(() => rec.statuses.some((s) => s.status === 'disconnected'), 'disconnected status', 15000);
        await waitFor(
          () => rec.statuses.filter((s) => s.status === 'connected' && s.reconnected).length > reconnectsBefore && a.isConnected(),
          `reconnected status (round ${round})`,
          30000,
        );
        // Subscribed again: a new event arrives, and broadcasts work.
        const { payload, hostname } = fakeWorkerEvent(`reconnect${round}`);
        await waitFor(async () => {
          await harness.publishEvent(payload, 'worker.heartbeat');
          await sleep(200);
          return rec.events.some((e) => e.hostname === hostname);
        }, `an event after reconnect ${round}`, 20000, 10);
        await a.broadcast({ method: 'heartbeat', arguments: {}, destination: null, pattern: null, matcher: null }, 3);
      }
      expect(rec.malformedByKind).toEqual({});
    });

    it('skips and counts malformed messages between good ones', async () => {
      const rec = new Recorder();
      await start(rec, 8192);
      // Make sure the subscription is live before the sequence (Redis pub/sub keeps nothing).
      const probe = fakeWorkerEvent('probe');
      await waitFor(async () => {
        await harness.publishEvent(probe.payload, 'worker.heartbeat');
        await sleep(100);
        return rec.events.some((e) => e.hostname === probe.hostname);
      }, 'the probe event', 20000, 10);
      rec.events = [];

      const now = Date.now() / 1000;
      const expected: Record<string, number> = {
        bad_json: 1,
        not_an_event: 2,
        missing_field: 2,
        unknown_type: 1,
        bad_field: 1,
        too_large: 1,
      };
      await harness.publishEvent(fakeTaskBatch('good-1'), 'task.multi');
      await harness.publishEvent('{"type": "task-sent", "uuid": ', 'task.sent'); // bad_json
      await harness.publishEvent('42', 'task.sent'); // not_an_event
      await harness.publishEvent(JSON.stringify({ type: 'task-started', uuid: 'x', timestamp: now }), 'task.started'); // missing_field (hostname)
      await harness.publishEvent(JSON.stringify({ type: 'custom-thing', hostname: 'h', timestamp: now }), 'custom.thing'); // unknown_type
      await harness.publishEvent(JSON.stringify({ type: 'worker-heartbeat', hostname: 'h', timestamp: 'yesterday' }), 'worker.heartbeat'); // bad_field
      // A batch with one bad element (missing uuid) and one not-an-event: the good one survives.
      await harness.publishEvent(
        JSON.stringify([{ type: 'task-started', hostname: 'h', timestamp: now }, 'junk', JSON.parse(fakeTaskBatch('good-2'))[0]]),
        'task.multi',
      );
      await harness.publishEvent(JSON.stringify({ type: 'task-sent', uuid: 'big', hostname: 'h', timestamp: now, args: 'x'.repeat(20000) }), 'task.sent'); // too_large
      for (const m of harness.transportMalformed) {
        await m.publish();
        expected[m.kind] = (expected[m.kind] ?? 0) + 1;
      }
      await harness.publishEvent(fakeTaskBatch('good-3'), 'task.multi');

      await waitFor(() => rec.of('task-received', 'good-3').length > 0, 'the last good event');
      expect(rec.events.map((e) => e.uuid)).toEqual(['good-1', 'good-2', 'good-3']);
      expect(rec.malformedByKind).toEqual(expected);
    });
  });
}
