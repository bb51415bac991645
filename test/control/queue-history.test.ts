/**
 * Queue depth history against real Redis and real Celery clients: the built CLI samples every
 * 0.5 s; tasks queued with no worker consuming make the samples rise, a kombu purge makes them
 * fall. Redis db 15 is shared with the bench's default (events only), so this file never flushes
 * it: its queue names carry the process id and its own keys are deleted at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { runPython } from '../helpers/celery.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, redisUrl } from '../helpers/services.js';
import { getJson, waitFor } from '../helpers/wait.js';
import { post } from './setup.js';

const DB = REDIS_DB['queue-history.redis'];
const BROKER = redisUrl(DB);
const QA = `qhist-${process.pid}-a`;
const QB = `qhist-${process.pid}-b`;
const QC = `qhist-${process.pid}-c`;

interface History {
  interval_s: number;
  t: number[];
  items: { name: string; messages: (number | null)[] }[];
}

let app: CeleriacProcess;
let dir: string;

async function history(query: string): Promise<{ status: number; body: History & { error?: { code: string; message: string } } }> {
  return getJson(`${app.url}/api/v1/queues/history?${query}`);
}

async function deleteOwnKeys(): Promise<void> {
  const r = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: DB });
  const keys = (await r.keys(`qhist-${process.pid}-*`));
  if (keys.length) await r.del(...keys);
  r.disconnect();
}

describe('queue depth history on Redis', () => {
  beforeAll(async () => {
    await deleteOwnKeys();
    dir = mkdtempSync(join(tmpdir(), 'celeriac-qhist-'));
    app = await startCeleriac(['--broker', BROKER, '--db', join(dir, 'q.db'), '--inspect-interval', '0', '--queue-history-interval', '0.5']);
  });

  afterAll(async () => {
    await app?.stop();
    await deleteOwnKeys();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('samples rise while tasks wait with no worker, and fall when the queue is purged', async () => {
    // QA becomes known by being asked for; QB by Celeriac sending to it.
    expect((await getJson(`${app.url}/api/v1/queues?queue=${QA}`)).status).toBe(200);
    await waitFor(async () => (await history(`queue=${QA}`)).body.items?.[0]?.messages.at(-1) === 0, 'QA sampled empty', 10000, 100);
    await runPython(`from tasks import add\nfor i in range(5):\n    add.apply_async((i, i), queue='${QA}')\n`, BROKER);
    for (let i = 0; i < 2; i++) expect((await post(`${app.url}/api/v1/tasks/send`, { name: 'tasks.add', args: [1, 2], options: { queue: QB } })).status).toBe(200);

    const risen = await waitFor(async () => {
      const h = (await history(`queue=${QA},${QB}`)).body;
      const [a, b] = h.items;
      return a?.messages.at(-1) === 5 && b?.messages.at(-1) === 2 ? h : null;
    }, 'samples showing 5 and 2 waiting', 20000, 200);
    expect(risen.interval_s).toBe(0.5);
    expect(risen.items.map((i) => i.name)).toEqual([QA, QB]);
    expect(risen.t.length).toBe(risen.items[0]!.messages.length);
    // Sampled over time: QA was measured empty before the tasks arrived (null before it was known).
    const qa = risen.items[0]!.messages;
    expect(qa.find((m) => m !== null)).toBe(0);
    expect(risen.t).toEqual([...risen.t].sort((x, y) => x - y));
    const risenAt = risen.t.at(-1)!;

    // Purge QA through kombu, as `celery purge -Q` does.
    await runPython(`from tasks import app\nwith app.connection_for_write() as c:\n    print(c.default_channel.queue_purge('${QA}'))\n`, BROKER);
    const fallen = await waitFor(async () => {
      const h = (await history(`queue=${QA}&since=${risenAt}`)).body;
      return h.items[0]?.messages.at(-1) === 0 ? h : null;
    }, 'a sample showing QA empty again', 20000, 200);
    expect(fallen.t.every((t) => t > risenAt)).toBe(true);
    expect(fallen.items.map((i) => i.name)).toEqual([QA]);
    // QB untouched.
    expect((await history(`queue=${QB}`)).body.items[0]!.messages.at(-1)).toBe(2);
    // Everything measured so far, without a queue filter, includes the default queue.
    expect((await history('')).body.items.map((i) => i.name)).toEqual(expect.arrayContaining(['celery', QA, QB]));
  });

  it('samples a queue only Celery clients sent to, known from their task-sent events', async () => {
    await runPython(`from tasks import add\nfor i in range(4):\n    add.apply_async((i, i), queue='${QC}')\n`, BROKER);
    const h = await waitFor(async () => {
      const r = await history(`queue=${QC}`);
      return r.status === 200 && r.body.items[0]?.messages.at(-1) === 4 ? r.body : null;
    }, 'QC sampled with 4 waiting', 20000, 200);
    expect(h.items[0]!.name).toBe(QC);
  });

  it('answers errors in the API format', async () => {
    const unknown = await history('queue=never-measured-queue');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.code).toBe('QUEUE_NOT_FOUND');
    expect(unknown.body.error!.message).toContain('never-measured-queue');
    const bad = await history('since=yesterday-ish');
    expect(bad.status).toBe(400);
    expect(bad.body.error!.code).toBe('INVALID_PARAMETER');
  });
});
