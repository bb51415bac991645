import { describe, expect, it } from 'vitest';
import { amqpEventFixtures, redisEventFixtures } from '../../test/helpers/wire.js';
import { unwrapEnvelope } from '../broker/kombu.js';
import type { CeleryEvent } from '../state/types.js';
import { decodePayload, type MalformedKind } from './decode.js';

function collect(text: string, max = 1 << 20) {
  const events: CeleryEvent[] = [];
  const bad: [MalformedKind, string][] = [];
  decodePayload(text, max, { event: (e) => events.push(e), malformed: (k, d) => bad.push([k, d]) });
  return { events, bad };
}

describe('decodePayload on captured real messages', () => {
  it('decodes every Redis capture (envelope + base64 + task.multi arrays) to the captured types', () => {
    for (const rec of redisEventFixtures()) {
      const u = unwrapEnvelope(rec.raw);
      expect(u.ok).toBe(true);
      if (!u.ok) continue;
      const { events, bad } = collect(u.text);
      expect(bad).toEqual([]);
      expect(events.map((e) => e.type)).toEqual(rec.event_types);
    }
  });

  it('decodes every AMQP capture (plain JSON bodies)', () => {
    for (const rec of amqpEventFixtures()) {
      const { events, bad } = collect(rec.body);
      expect(bad).toEqual([]);
      expect(events.map((e) => e.type)).toEqual(rec.event_types);
    }
  });
});

describe('decodePayload on bad input', () => {
  const good = { type: 'task-started', uuid: 'u1', hostname: 'w@h', timestamp: 1, clock: 2 };
  it.each([
    ['{not json', 'bad_json'],
    ['', 'bad_json'],
    ['42', 'not_an_event'],
    ['null', 'not_an_event'],
    ['"text"', 'not_an_event'],
    ['{}', 'missing_field'],
    ['{"type": 5, "hostname": "h", "timestamp": 1}', 'missing_field'],
    ['{"type": "bogus-thing", "hostname": "h", "timestamp": 1}', 'unknown_type'],
    ['{"type": "task-started", "hostname": "h", "timestamp": 1}', 'missing_field'],
    ['{"type": "task-started", "uuid": 7, "hostname": "h", "timestamp": 1}', 'bad_field'],
    ['{"type": "task-started", "uuid": "u", "timestamp": 1}', 'missing_field'],
    ['{"type": "task-started", "uuid": "u", "hostname": "h", "timestamp": "yesterday"}', 'bad_field'],
    ['{"type": "task-started", "uuid": "u", "hostname": "h", "timestamp": 1, "clock": "x"}', 'bad_field'],
    ['{"type": "task-succeeded", "uuid": "u", "hostname": "h", "timestamp": 1, "runtime": "fast"}', 'bad_field'],
    ['{"type": "worker-heartbeat", "hostname": "h", "timestamp": 1, "freq": "2"}', 'bad_field'],
  ])('%s → %s', (text, kind) => {
    const { events, bad } = collect(text);
    expect(events).toEqual([]);
    expect(bad.map((b) => b[0])).toEqual([kind]);
  });

  it('skips only the bad elements of a task.multi array', () => {
    const { events, bad } = collect(JSON.stringify([good, 17, { ...good, uuid: undefined }, { ...good, clock: 3 }]));
    expect(events.map((e) => e.clock)).toEqual([2, 3]);
    expect(bad.map((b) => b[0])).toEqual(['not_an_event', 'missing_field']);
  });

  it('accepts an empty task.multi array (Celery 5.2 sends them)', () => {
    expect(collect('[]')).toEqual({ events: [], bad: [] });
  });

  it('refuses payloads over the size limit without parsing them', () => {
    const big = JSON.stringify({ ...good, args: 'x'.repeat(2000) });
    expect(collect(big, 1000).bad.map((b) => b[0])).toEqual(['too_large']);
  });

  it('accepts custom task events (task-progress) as Celery does', () => {
    expect(collect(JSON.stringify({ ...good, type: 'task-progress' })).events).toHaveLength(1);
  });
});

describe('unwrapEnvelope', () => {
  it('rejects non-JSON, bodiless and bad base64 envelopes', () => {
    expect(unwrapEnvelope('nope')).toMatchObject({ ok: false, kind: 'bad_envelope' });
    expect(unwrapEnvelope('{"headers": {}}')).toMatchObject({ ok: false, kind: 'bad_envelope' });
    expect(unwrapEnvelope('{"body": "!!!!", "properties": {"body_encoding": "base64"}}')).toMatchObject({ ok: false, kind: 'bad_base64' });
    expect(unwrapEnvelope('{"body": "abc", "properties": {"body_encoding": "base64"}}')).toMatchObject({ ok: false, kind: 'bad_base64' });
  });

  it('passes through bodies that are not base64-encoded', () => {
    expect(unwrapEnvelope('{"body": "{}", "properties": {}}')).toEqual({ ok: true, text: '{}', headers: null });
  });
});
