import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitBroker } from '../../src/broker/rabbitmq.js';
import { AMQP_BASE } from '../helpers/services.js';
import { AmqpPublisher, closeVhostConnections, createVhost, deleteVhost, listQueues, rabbitmqctl } from '../helpers/rabbit.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { fakeTaskBatch, Recorder, runBrokerContract, silentLog } from './broker.contract.js';

const VHOST = 'celeriac-test-broker-contract';
const url = `${AMQP_BASE}/${encodeURIComponent(VHOST)}`;
let pub: AmqpPublisher;
let queueSeq = 0;

const adapter = (opts: { maxMessageBytes?: number; queue?: string; prefetch?: number } = {}) =>
  new RabbitBroker({
    url,
    log: silentLog,
    maxMessageBytes: opts.maxMessageBytes ?? 1 << 20,
    heartbeat: 10,
    queue: opts.queue ?? `contract.q${++queueSeq}`,
    queueExpiresSeconds: 120,
    prefetch: opts.prefetch ?? 100,
  });

const eventOptions = { contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1, headers: { hostname: 'contract@test' } };

runBrokerContract('rabbitmq', {
  celeryBroker: url,
  async setup() {
    await createVhost(VHOST);
    pub = new AmqpPublisher(url);
  },
  async teardown() {
    await pub.close();
    await deleteVhost(VHOST);
  },
  makeAdapter: ({ maxMessageBytes }) => adapter({ maxMessageBytes }),
  makeUnreachableAdapter: () =>
    new RabbitBroker({ url: 'amqp://guest:guest@127.0.0.1:1//', log: silentLog, maxMessageBytes: 1 << 20, heartbeat: 10, queue: 'x', queueExpiresSeconds: 60, prefetch: 10, connectTimeoutMs: 2000 }),
  async publishEvent(payload, routingKey) {
    await pub.publish('celeryev', routingKey, payload, eventOptions);
  },
  transportMalformed: [
    // A pickled (or otherwise non-JSON) body is not ours to read.
    { kind: 'bad_envelope', publish: () => pub.publish('celeryev', 'task.sent', Buffer.from([0x80, 0x04, 0x95]), { ...eventOptions, contentType: 'application/x-python-serialize' }) },
  ],
  dropConnections: () => closeVhostConnections(VHOST),
});

describe('RabbitMQ event queue (durable, acked after persisting)', () => {
  const V2 = 'celeriac-test-broker-queue';
  const url2 = `${AMQP_BASE}/${encodeURIComponent(V2)}`;
  let p2: AmqpPublisher;
  const mk = (queue: string) =>
    new RabbitBroker({ url: url2, log: silentLog, maxMessageBytes: 1 << 20, heartbeat: 10, queue, queueExpiresSeconds: 3600, prefetch: 1000, stopAckTimeoutMs: 200 });

  beforeAll(async () => {
    await createVhost(V2);
    p2 = new AmqpPublisher(url2);
  });
  afterAll(async () => {
    await p2.close();
    await deleteVhost(V2);
  });

  it('declares a durable queue with x-expires and no message TTL, bound to celeryev with #', async () => {
    const a = mk('celeriac.events.decl');
    await a.start(new Recorder().attach(a));
    try {
      const q = (await listQueues(V2)).find((x) => x.name === 'celeriac.events.decl');
      expect(q).toMatchObject({ durable: true, autoDelete: false, consumers: 1 });
      expect(q!.arguments).toContain('x-expires');
      expect(q!.arguments).toContain('3600000');
      expect(q!.arguments).not.toContain('x-message-ttl');
      const bindings = await rabbitmqctl('list_bindings', '-p', V2, '--no-table-headers', 'source_name', 'destination_name', 'routing_key');
      expect(bindings).toMatch(/celeryev\tceleriac\.events\.decl\t#/);
      const ex = await rabbitmqctl('list_exchanges', '-p', V2, '--no-table-headers', 'name', 'type', 'durable', 'auto_delete');
      expect(ex).toMatch(/celeryev\ttopic\ttrue\tfalse/);
      expect(ex).toMatch(/celery\.pidbox\tfanout\tfalse\tfalse/);
    } finally {
      await a.stop();
    }
  });

  it('keeps unacknowledged and newly published events while no Celeriac runs, and redelivers exactly those', async () => {
    const queue = 'celeriac.events.keep';
    const first = new Recorder(false);
    const a = mk(queue);
    first.attach(a);
    // Record tokens to ack the first 30 only ("persisted"), as the pipeline would.
    const tokens: number[] = [];
    const orig = first.payload.bind(first);
    first.payload = (text, token) => {
      tokens.push(token!);
      orig(text, token);
    };
    await a.start(first);
    for (let i = 0; i < 50; i++) await p2.publish('celeryev', 'task.multi', fakeTaskBatch(`k-${i}`), eventOptions);
    await waitFor(() => first.events.length === 50, '50 events');
    a.ackUpTo(tokens[29]!);
    a.ackUpTo(tokens[9]!); // older than what is acked: ignored, no channel error
    await sleep(300);
    await a.stop();
    // Published while nothing consumes: waits in the queue.
    for (let i = 50; i < 70; i++) await p2.publish('celeryev', 'task.multi', fakeTaskBatch(`k-${i}`), eventOptions);

    const second = new Recorder();
    const b = mk(queue);
    second.attach(b);
    await b.start(second);
    try {
      await waitFor(() => second.events.length >= 40, '40 events');
      await sleep(500);
      const got = second.events.map((e) => e.uuid!).sort((x, y) => Number(x.slice(2)) - Number(y.slice(2)));
      expect(got).toEqual(Array.from({ length: 40 }, (_, i) => `k-${i + 30}`));
    } finally {
      await b.stop();
    }
    // Everything acked now: a third consumer gets nothing.
    const third = new Recorder();
    const c = mk(queue);
    third.attach(c);
    await c.start(third);
    await sleep(700);
    await c.stop();
    expect(third.events).toEqual([]);
  });

  it('ignores acks of a channel that was closed under it, and redelivers its messages', async () => {
    const queue = 'celeriac.events.stale';
    const rec = new Recorder(false);
    const a = mk(queue);
    rec.attach(a);
    const tokens: number[] = [];
    const orig = rec.payload.bind(rec);
    rec.payload = (text, token) => {
      tokens.push(token!);
      orig(text, token);
    };
    await a.start(rec);
    try {
      for (let i = 0; i < 10; i++) await p2.publish('celeryev', 'task.multi', fakeTaskBatch(`s-${i}`), eventOptions);
      await waitFor(() => rec.events.length === 10, '10 events');
      await closeVhostConnections(V2);
      // The broker requeues the 10 unacked messages and delivers them again after the reconnect.
      await waitFor(() => rec.events.length === 20, 'the 10 events again', 30000);
      a.ackUpTo(tokens[9]!); // a token of the closed channel: must not ack anything on the new one
      a.ackUpTo(tokens[19]!);
      expect(tokens[19]!).toBeGreaterThan(tokens[9]!);
      await sleep(300);
    } finally {
      await a.stop();
    }
    const again = new Recorder();
    const b = mk(queue);
    again.attach(b);
    await b.start(again);
    await sleep(700);
    await b.stop();
    expect(again.events).toEqual([]);
    expect(rec.statuses).toContainEqual({ status: 'connected', reconnected: true });
  });

  it('acknowledges skipped messages (too large, not JSON) with their batch, so they are not redelivered', async () => {
    const queue = 'celeriac.events.skipped';
    const small = () => new RabbitBroker({ url: url2, log: silentLog, maxMessageBytes: 2048, heartbeat: 10, queue, queueExpiresSeconds: 3600, prefetch: 1000 });
    const rec = new Recorder();
    const a = small();
    rec.attach(a);
    await a.start(rec);
    try {
      await p2.publish('celeryev', 'task.sent', 'x'.repeat(5000), eventOptions);
      await p2.publish('celeryev', 'task.sent', Buffer.from([0x80, 0x04]), { ...eventOptions, contentType: 'application/x-python-serialize' });
      await waitFor(() => rec.acked === 2, 'two skipped messages acked');
      expect(rec.malformedByKind).toEqual({ too_large: 1, bad_envelope: 1 });
      await sleep(300);
    } finally {
      await a.stop();
    }
    const again = new Recorder();
    const b = small();
    again.attach(b);
    await b.start(again);
    await sleep(700);
    await b.stop();
    expect(again.malformedByKind).toEqual({});
    expect(again.events).toEqual([]);
  });

  it('negotiates the configured heartbeat and names its connection', async () => {
    const a = new RabbitBroker({ url: url2, log: silentLog, maxMessageBytes: 1024, heartbeat: 7, queue: 'celeriac.events.hb', queueExpiresSeconds: 60, prefetch: 10, connectionName: 'celeriac hb-test' });
    await a.start(new Recorder().attach(a));
    try {
      const out = await rabbitmqctl('list_connections', '-p', V2, '--no-table-headers', 'timeout', 'client_properties');
      const line = out.split('\n').find((l) => l.includes('celeriac hb-test'));
      expect(line?.split('\t')[0]).toBe('7');
    } finally {
      await a.stop();
    }
  });

  it('on stop, waits for what was delivered to be stored and acked, so a clean restart gets nothing twice', async () => {
    const queue = 'celeriac.events.clean-stop';
    const slowAck = () => new RabbitBroker({ url: url2, log: silentLog, maxMessageBytes: 1 << 20, heartbeat: 10, queue, queueExpiresSeconds: 3600, prefetch: 1000 });
    const rec = new Recorder(false);
    const a = slowAck();
    rec.attach(a);
    // A pipeline that stores a batch 300 ms after receiving it, then acks.
    rec.payload = (text, token) => {
      rec.events.push(JSON.parse(text)[0]);
      setTimeout(() => a.ackUpTo(token!), 300);
    };
    await a.start(rec);
    for (let i = 0; i < 20; i++) await p2.publish('celeryev', 'task.multi', fakeTaskBatch(`c-${i}`), eventOptions);
    await waitFor(() => rec.events.length === 20, '20 events');
    await a.stop();
    const again = new Recorder();
    const b = slowAck();
    again.attach(b);
    await b.start(again);
    await sleep(700);
    await b.stop();
    expect(again.events).toEqual([]);
  });

  it('refuses a second consumer on the same queue with a clear error', async () => {
    const a = mk('celeriac.events.dup');
    await a.start(new Recorder().attach(a));
    try {
      const b = mk('celeriac.events.dup');
      const err = (await b.start(new Recorder().attach(b)).catch((e: unknown) => e)) as { code?: string; message?: string };
      await b.stop();
      expect(err.code).toBe('BROKER_CONNECT_FAILED');
      expect(err.message).toMatch(/exclusive use.*--event-queue/);
    } finally {
      await a.stop();
    }
  });

  it('reports a missing vhost as BROKER_CONNECT_FAILED', async () => {
    const a = new RabbitBroker({ url: `${AMQP_BASE}/no-such-vhost-celeriac`, log: silentLog, maxMessageBytes: 1024, heartbeat: 10, queue: 'q', queueExpiresSeconds: 60, prefetch: 10 });
    const err = (await a.start(new Recorder().attach(a)).catch((e: unknown) => e)) as { code?: string; message?: string };
    await a.stop();
    expect(err.code).toBe('BROKER_CONNECT_FAILED');
    expect(err.message).toMatch(/refused to open virtual host "no-such-vhost-celeriac"/);
  });
});
