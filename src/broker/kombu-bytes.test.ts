import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliverEnvelope, unwrapEventBytes } from './kombu-bytes.js';
import { unwrapEnvelope, wrapEnvelope } from './kombu.js';
import type { EventConsumer } from './types.js';

const FIXTURE = resolve(import.meta.dirname, '../../../shared/fixtures/wire/redis-events.jsonl');
const captured = readFileSync(FIXTURE, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { raw: string }).raw);

/** What the string path makes of a message (the reference for the byte path). */
function viaString(raw: string, maxChars: number): string {
  if (raw.length > maxChars) return 'malformed:too_large';
  const r = unwrapEnvelope(raw);
  return r.ok ? `payload:${r.text}` : `malformed:${r.kind}`;
}

/** What deliverEnvelope hands over, with the message placed inside a larger buffer. */
function viaBytes(raw: string, maxChars: number): string {
  const bytes = Buffer.from(raw, 'utf8');
  // Garbage around the message, with quotes and envelope-like text: nothing outside the range may be read.
  const before = Buffer.from('"}} {"body": "', 'latin1');
  const after = Buffer.from('", "x": "y"}}"', 'latin1');
  const buf = Buffer.concat([before, bytes, after]);
  const out: string[] = [];
  const consumer: EventConsumer = {
    payload: (text) => out.push(`payload:${text}`),
    malformed: (kind) => out.push(`malformed:${kind}`),
  };
  deliverEnvelope(buf, before.length, before.length + bytes.length, maxChars, consumer);
  expect(out).toHaveLength(1);
  return out[0]!;
}

/** The fast path: null, or exactly the string path's text. */
function checkFast(raw: string): string | null {
  const bytes = Buffer.from(raw, 'utf8');
  const fast = unwrapEventBytes(bytes, 0, bytes.length);
  if (fast !== null) {
    const slow = unwrapEnvelope(raw);
    expect([raw, slow.ok && slow.text]).toEqual([raw, fast]);
  }
  return fast;
}

const withBody = (raw: string, body: string) => raw.replace(/^\{"body": "[^"]*"/, `{"body": "${body}"`);
/** A payload in the envelope Celery itself writes (spacing and key order of the captures). */
const celery = (payload: string, hostname = 'w@h') =>
  withBody(captured[2]!, Buffer.from(payload, 'utf8').toString('base64')).replace(/"headers": \{"hostname": "[^"]*"/, `"headers": {"hostname": "${hostname}"`);

describe('unwrapEventBytes / deliverEnvelope', () => {
  const max = 1 << 20;

  it('reads every captured Celery envelope on the fast path, with the string path text', () => {
    for (const raw of captured) expect(checkFast(raw), raw.slice(0, 80)).not.toBeNull();
  });

  it('reads envelopes with non-ASCII payloads and hostnames', () => {
    const payload = '{"type": "task-sent", "name": "h\u00e9llo \u2713 \ud83d\ude00", "hostname": "w\u00f6rker@h\u00f6st"}';
    const raw = celery(payload, 'w\u00f6rker@h\u00f6st');
    expect(checkFast(raw)).toBe(payload);
    expect(viaBytes(raw, max)).toBe(`payload:${payload}`);
    // kombu's own JSON spacing is not Celery's: read by the string path, same text.
    const ours = wrapEnvelope(payload, { exchange: 'celeryev', routingKey: 'task.sent', headers: { hostname: 'x' }, deliveryMode: 1 });
    expect(checkFast(ours)).toBeNull();
    expect(viaBytes(ours, max)).toBe(`payload:${payload}`);
  });

  it('reads a huge body (larger than its scratch buffer) and an empty one', () => {
    const payload = JSON.stringify({ type: 'task-sent', args: 'x\u00e9'.repeat(200_000) });
    const raw = celery(payload);
    expect(checkFast(raw) === payload).toBe(true);
    expect(checkFast(withBody(captured[0]!, ''))).toBe('');
    // And a small one again after the scratch buffer grew.
    expect(checkFast(captured[1]!)).not.toBeNull();
  });

  it('leaves everything but plain base64 to the string path, which decides the same', () => {
    const bodies = ['AA==', 'AAA=', 'AAAA', 'AA=A', 'A===', '====', 'AAAA====', 'AA-_', 'AA A', 'AA\u00e9=', 'eyJ9', 'e30=', 'e30', '!!!!', 'AA==AAAA', 'AAAA\\n', 'AB\\u0030', 'e30=\\"', 'AB==', 'AAB='];
    for (const b of bodies) {
      const raw = withBody(captured[0]!, b);
      checkFast(raw);
      expect([raw, viaBytes(raw, max)]).toEqual([raw, viaString(raw, max)]);
    }
  });

  it('agrees with the string path on tail variants and truncations', () => {
    const base = captured[2]!;
    const variants = [
      base.replace('"delivery_mode": 1', '"delivery_mode": 01'),
      base.replace('"delivery_mode": 1', '"delivery_mode": -1'),
      base.replace('"delivery_mode": 1', '"delivery_mode": 1.0'),
      base.replace('"priority": 0', '"priority": 00'),
      base.replace('"priority": 0', '"priority": '),
      base.replace('"routing_key": "', '"routing_key": "\\u0041'),
      base.replace('"routing_key": "', '"routing_key": "\u0001'),
      base.replace('"routing_key": "', '"routing_key": "\u00e9\u2713'),
      base.replace('"hostname": "', '"hostname": "h\u00f6st-'),
      base.replace('"content-encoding": "utf-8", ', ''),
      base.replace(', "content-type"', ',  "content-type"'),
      base.replace('"body_encoding": "base64"', '"body_encoding": "utf-8"'),
      base.replace('}}', '}, "x": 1}'),
      `${base} `,
      `${base}}`,
      ` ${base}`,
      base.replace('{"body": "', '{"body":"'),
    ];
    for (let i = 0; i < base.length; i++) variants.push(base.slice(0, i));
    for (const raw of variants) {
      checkFast(raw);
      expect([raw, viaBytes(raw, max)]).toEqual([raw, viaString(raw, max)]);
    }
  });

  it('agrees with the string path on thousands of random corruptions of real envelopes', () => {
    let seed = 4242;
    const rnd = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = ['{', '}', '"', ' ', '0', '1', '-', '_', '=', 'A', '/', '+', '\\', '\n', '\u0001', '\u00e9', '\ud83d\ude00'];
    let fast = 0;
    for (let n = 0; n < 8000; n++) {
      let raw = captured[rnd(captured.length)]!;
      const edits = 1 + rnd(2);
      for (let e = 0; e < edits; e++) {
        const at = rnd(raw.length);
        const op = rnd(3);
        if (op === 0) raw = raw.slice(0, at) + raw.slice(at + 1);
        else if (op === 1) raw = raw.slice(0, at) + alphabet[rnd(alphabet.length)]! + raw.slice(at);
        else raw = raw.slice(0, at) + alphabet[rnd(alphabet.length)]! + raw.slice(at + 1);
      }
      if (checkFast(raw) !== null) fast++;
      expect([raw, viaBytes(raw, max)]).toEqual([raw, viaString(raw, max)]);
    }
    expect(fast).toBeGreaterThan(500);
  });

  it('counts a message over the limit in characters as too large, not one over it only in bytes', () => {
    const raw = captured[0]!;
    expect(viaBytes(raw, raw.length)).toBe(viaString(raw, raw.length));
    expect(viaBytes(raw, raw.length - 1)).toBe('malformed:too_large');
    // 'é' is two bytes, one character: over the limit in bytes, within it in characters.
    const wide = raw.replace('"hostname": "', '"hostname": "\u00e9\u00e9\u00e9\u00e9');
    const chars = wide.length;
    expect(Buffer.byteLength(wide)).toBeGreaterThan(chars);
    expect(viaBytes(wide, chars)).toBe(viaString(wide, chars));
    expect(viaBytes(wide, chars).startsWith('payload:')).toBe(true);
    expect(viaBytes(wide, chars - 1)).toBe('malformed:too_large');
  });
});
