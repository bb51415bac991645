/**
 * Queue depth with no worker consuming equals what was published: on Redis through the HTTP
 * API (priority sub-queues included, messages from Celery itself and from Celeriac), on
 * RabbitMQ through the control transport (passive declares).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpControlTransport } from '../../src/control/amqp-transport.js';
import { RedisControlTransport } from '../../src/control/redis-transport.js';
import { buildTaskMessage } from '../../src/control/task-message.js';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runPython } from '../helpers/celery.js';
import { REDIS_DB, redisUrl } from '../helpers/services.js';
import { getJson, waitFor } from '../helpers/wait.js';
import { deleteVhost, flushRedis, freshVhost, post } from './setup.js';

describe('queue depth on Redis', () => {
  const db = REDIS_DB['queues.redis'];
  const broker = redisUrl(db);
  let app: CeleriacProcess | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    await app?.stop();
    await flushRedis(db);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts every priority list of every queue', async () => {
    await flushRedis(db);
    dir = mkdtempSync(join(tmpdir(), 'celeriac-queues-'));
    app = await startCeleriac(['--broker', broker, '--db', join(dir, 'q.db'), '--inspect-interval', '0']);
    // Celeriac publishes: priorities 0, 5, 9, 9 on "depth" → steps 0, 3, 9, 9.
    for (const priority of [0, 5, 9, 9]) {
      const r = await post(`${app.url}/api/v1/tasks/send`, { name: 'tasks.add', args: [1, 2], options: { queue: 'depth', priority } });
      expect(r.status).toBe(200);
    }
    // Celery publishes too: one plain, one with priority 7 (step 6), on "depth"; two on "celery".
    await runPython(
      'from tasks import add\n' +
        "add.apply_async((1, 1), queue='depth')\nadd.apply_async((1, 1), queue='depth', priority=7)\n" +
        'add.delay(1, 1)\nadd.delay(2, 2)\n',
      broker,
    );
    const r = await getJson(`${app.url}/api/v1/queues?queue=depth,empty`);
    expect(r.status).toBe(200);
    const byName = Object.fromEntries(r.body.items.map((q: any) => [q.name, q]));
    expect(byName.depth).toEqual({ name: 'depth', messages: 6, priorities: { '0': 2, '3': 1, '6': 1, '9': 2 } });
    expect(byName.celery.messages).toBe(2);
    expect(byName.empty.messages).toBe(0);
    // Flower's route knows the queues Celeriac sent to.
    const f = await getJson(`${app.url}/api/queues/length`);
    expect(f.body.active_queues).toEqual(expect.arrayContaining([{ name: 'depth', messages: 6 }, { name: 'celery', messages: 2 }]));
  });
});

describe('queue depth on Redis with a global key prefix', () => {
  it('finds the lists where kombu put them', async () => {
    const db = REDIS_DB['queues.redis'];
    const broker = redisUrl(db);
    await flushRedis(db);
    const t = new RedisControlTransport({ url: broker, log: pino({ level: 'silent' }), keyPrefix: 'pfx:' });
    await t.start();
    try {
      await runPython(
        "from tasks import app, add\napp.conf.broker_transport_options = {'global_keyprefix': 'pfx:'}\n" +
          "add.apply_async((1, 1), queue='pq')\nadd.apply_async((1, 1), queue='pq', priority=4)\n",
        broker,
      );
      await t.publishTask(buildTaskMessage({ name: 'tasks.add', args: [1, 1], options: { queue: 'pq', priority: 9 }, origin: 'test@x', clock: 1 }));
      expect(await t.queueDepths(['pq'])).toEqual([{ name: 'pq', messages: 3, priorities: { '0': 1, '3': 1, '6': 0, '9': 1 } }]);
      const plain = new RedisControlTransport({ url: broker, log: pino({ level: 'silent' }) });
      await plain.start();
      expect((await plain.queueDepths(['pq']))[0]!.messages).toBe(0);
      await plain.stop();
    } finally {
      await t.stop();
      await flushRedis(db);
    }
  });
});

describe('queue depth on RabbitMQ', () => {
  const VHOST = 'celeriac-test-queues';
  let transport: AmqpControlTransport | undefined;

  afterAll(async () => {
    await transport?.stop();
    deleteVhost(VHOST);
  });

  it('passive declares count what was published, from Celery and from Celeriac', async () => {
    const broker = freshVhost(VHOST);
    transport = new AmqpControlTransport({ url: broker, log: pino({ level: 'silent' }) });
    await transport.start();
    await runPython("from tasks import add\nfor i in range(3): add.apply_async((i, i), queue='depth')\n", broker);
    for (let i = 0; i < 4; i++) {
      await transport.publishTask(buildTaskMessage({ name: 'tasks.add', args: [i, i], options: { queue: 'depth' }, origin: 'test@x', clock: 1 }));
    }
    await transport.publishTask(buildTaskMessage({ name: 'tasks.add', args: [0, 0], origin: 'test@x', clock: 1 }));
    const depths = await waitFor(async () => {
      const d = await transport!.queueDepths(['depth', 'celery', 'never-declared']);
      return d[0]!.messages === 7 && d[1]!.messages === 1 ? d : null;
    }, 'depths 7 and 1');
    expect(depths).toEqual([
      { name: 'depth', messages: 7, ready: 7, consumers: 0 },
      { name: 'celery', messages: 1, ready: 1, consumers: 0 },
      { name: 'never-declared', messages: 0, ready: 0, consumers: 0 },
    ]);
  });
});
