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
  it('agrees with a full parse on thousands of random corruptions of real envelopes', () => {
    // The fast path parses the envelope without its body: it must read every variant as a
    // parse of the whole envelope does (this found a second "body" key read wrongly).
    let seed = 12345;
    const rnd = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = ['{', '}', '[', ']', ',', ':', '"', ' ', '0', '1', '-', '.', 'e', 'a', 't', 'n', '\\', '\n', '\u0001'];
    const extras = [', "body": "e30="', ', "properties": {"body_encoding": "utf-8"}', ', "headers": 5', ', "headers": [1]', ', "x": -0.5e+3', ', "y": [true, false, null, {}]', ', "properties": 7'];
    const seeds = [...captured.slice(0, 20), ours];
    let accepted = 0;
    for (let n = 0; n < 6000; n++) {
      let raw = seeds[rnd(seeds.length)]!;
      const edits = 1 + rnd(3);
      for (let e = 0; e < edits; e++) {
        const at = raw.indexOf('"', 12) + 1 + rnd(Math.max(1, raw.length - raw.indexOf('"', 12) - 1));
        const op = rnd(4);
        if (op === 0) raw = raw.slice(0, at) + raw.slice(at + 1);
        else if (op === 1) raw = raw.slice(0, at) + alphabet[rnd(alphabet.length)]! + raw.slice(at);
        else if (op === 2) raw = raw.slice(0, at) + alphabet[rnd(alphabet.length)]! + raw.slice(at + 1);
        else raw = raw.slice(0, raw.length - 1) + extras[rnd(extras.length)]! + '}';
      }
      const got = unwrapEnvelope(raw);
      expect([raw, got]).toEqual([raw, reference(raw)]);
      if (got.ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(500);
  });
  it('reads the payload of captured events', () => {
    const r = unwrapEnvelope(captured[0]!);
    expect(r.ok && JSON.parse(r.text)).toMatchObject({ type: 'task-sent', name: 'tasks.add' });
  });
});
