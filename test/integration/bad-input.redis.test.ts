import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeleriac, type CeleriacProcess } from '../helpers/celeriac.js';
import { EventPublisher, taskEvent } from '../helpers/publish.js';
import { REDIS_DB, redisUrl } from '../helpers/services.js';
import { getJson, waitFor } from '../helpers/wait.js';

// Malformed messages on the event channel, between good ones: the process stays up, every
// good event is stored, and the bad ones are counted by kind.
const DB_NO = REDIS_DB['bad-input.redis'];
const BROKER = redisUrl(DB_NO);

describe('malformed broker messages', () => {
  let dir: string;
  let celeriac: CeleriacProcess;
  const pub = new EventPublisher(DB_NO);
  const good: string[] = [];
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const envelope = (body: string, encoding = 'base64') =>
    JSON.stringify({ body, 'content-type': 'application/json', 'content-encoding': 'utf-8', headers: {}, properties: { body_encoding: encoding, delivery_info: { exchange: 'celeryev', routing_key: 'task.multi' }, delivery_tag: 'x' } });

  const bad: [string, string | Buffer][] = [
    ['bad_envelope', '{this is not json'],
    ['bad_envelope', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80])],
    ['bad_envelope', JSON.stringify({ headers: {} })],
    ['bad_base64', envelope('@@not*base64@@')],
    ['bad_json', envelope(b64('{"type": "task-started", '))],
    ['not_an_event', envelope(b64('"just text"'))],
    ['unknown_type', envelope(b64(JSON.stringify({ type: 'bogus', hostname: 'h', timestamp: 1 })))],
    ['missing_field', envelope(b64(JSON.stringify({ type: 'task-started', hostname: 'h', timestamp: 1 })))],
    ['bad_field', envelope(b64(JSON.stringify({ type: 'task-started', uuid: 'u', hostname: 'h', timestamp: 'noon' })))],
    ['too_large', envelope(b64(JSON.stringify(taskEvent('task-received', 'big', { args: 'x'.repeat(1024 * 1024) }))))],
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-bad-'));
    celeriac = await startCeleriac(['--broker', BROKER, '--db', join(dir, 'c.db')]);
    for (const [, msg] of bad) {
      const id = randomUUID();
      good.push(id);
      await pub.events(taskEvent('task-received', id));
      await pub.raw(msg);
      await pub.events([taskEvent('task-started', id), taskEvent('task-succeeded', id)]);
    }
  });

  afterAll(async () => {
    await pub.close();
    await celeriac?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every good event and stays up', async () => {
    await waitFor(async () => (await getJson(`${celeriac.url}/api/v1/stats`)).body.events === good.length * 3, 'good events stored');
    for (const id of good) expect((await getJson(`${celeriac.url}/api/v1/tasks/${id}`)).body.task.state).toBe('SUCCESS');
    expect((await getJson(`${celeriac.url}/healthz`)).status).toBe(200);
    expect(celeriac.proc.exitCode).toBeNull();
  });

  it('counts the bad ones by kind', async () => {
    const metrics = await (await fetch(`${celeriac.url}/metrics`)).text();
    const expected: Record<string, number> = {};
    for (const [kind] of bad) expected[kind] = (expected[kind] ?? 0) + 1;
    for (const [kind, n] of Object.entries(expected)) {
      expect(metrics).toContain(`celeriac_malformed_messages_total{kind="${kind}"} ${n}`);
    }
    // one warning per kind, not per message
    const warnings = celeriac.output().split('\n').filter((l) => l.includes('skipping malformed broker message'));
    expect(warnings).toHaveLength(Object.keys(expected).length);
  });
});
