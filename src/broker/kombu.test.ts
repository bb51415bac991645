import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unwrapEnvelope, wrapEnvelope, type UnwrapResult } from './kombu.js';

/** The straightforward reading (parse everything, check the alphabet with a pattern): the reference. */
function reference(raw: string): UnwrapResult {
  let env: Record<string, unknown>;
  try {
    env = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { ok: false, kind: 'bad_envelope', detail: 'not JSON' };
  }
  if (env === null || typeof env !== 'object') return { ok: false, kind: 'bad_envelope', detail: 'not an object' };
  if (typeof env.body !== 'string') return { ok: false, kind: 'bad_envelope', detail: 'no body' };
  const headers = env.headers && typeof env.headers === 'object' ? (env.headers as Record<string, unknown>) : null;
  const props = env.properties as Record<string, unknown> | undefined;
  const encoding = props && typeof props === 'object' ? props.body_encoding : undefined;
  if (encoding !== 'base64') return { ok: true, text: env.body, headers };
  const body = env.body;
  if (body.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return { ok: false, kind: 'bad_base64', detail: `${body.length} characters` };
  return { ok: true, text: Buffer.from(body, 'base64').toString('utf8'), headers };
}

const FIXTURE = resolve(import.meta.dirname, '../../../shared/fixtures/wire/redis-events.jsonl');

describe('unwrapEnvelope', () => {
  const captured = readFileSync(FIXTURE, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { raw: string }).raw);
  const ours = wrapEnvelope('{"type": "task-sent", "name": "h\u00e9llo \u2713"}', { exchange: 'celeryev', routingKey: 'task.sent', headers: { hostname: 'x' } });
  const bodies = ['', 'AA==', 'AAA=', 'AAAA', 'AA=A', 'A===', '====', 'AAAA====', 'AA-_', 'AA A', 'AAé=', 'eyJ9', 'e30=', 'e30', '!!!!', 'AA==AAAA', 'AAAA\\n'];
  const variants = [
    ...captured,
    ours,
    ...bodies.map((b) => `{"body": "${b}", "content-encoding": "utf-8", "headers": {"hostname": "w"}, "properties": {"body_encoding": "base64"}}`),
    ...bodies.map((b) => `{"body": "${b}", "properties": {"body_encoding": "utf-8"}}`),
    '{"body": "e30=", "properties": {"body_encoding": "base64"}',
    '{"body": "e30=" , "properties": {"body_encoding": "base64"}}',
    '{"body": "e30=", "body": 5, "properties": {"body_encoding": "base64"}}',
    '{"body": "e30\\u003d", "properties": {"body_encoding": "base64"}}',
    '{"body": 12}',
    '{"properties": {}}',
    '[1, 2]',
    'null',
    'not json',
    captured[3]!.slice(0, 50),
  ];
  it('reads every captured envelope and every corruption exactly as a full parse does', () => {
    for (const raw of variants) expect([raw, unwrapEnvelope(raw)]).toEqual([raw, reference(raw)]);
  });
  it('reads the payload of captured events', () => {
    const r = unwrapEnvelope(captured[0]!);
    expect(r.ok && JSON.parse(r.text)).toMatchObject({ type: 'task-sent', name: 'tasks.add' });
  });
});
