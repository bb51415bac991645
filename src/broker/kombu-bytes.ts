/**
 * The Redis event hot path's envelope reader: takes kombu's event envelope as the bytes it
 * arrived in and returns the payload text, base64-decoded straight from those bytes (no
 * envelope string, no body string, no intermediate Buffer).
 *
 * It only accepts the exact shape Celery writes for events (see EVENT_TAIL in kombu.ts): a
 * body of plain base64 followed by the fixed keys. For anything else it returns null and the
 * caller reads the envelope as text with `unwrapEnvelope`, which decides what the message is
 * (another shape, bad base64, not JSON ...). Whatever this accepts, `unwrapEnvelope` accepts
 * too, with the same text (kombu-bytes.test.ts checks both on the same inputs).
 */

import { unwrapEnvelope } from './kombu.js';
import type { EventConsumer } from './types.js';

const enc = (s: string) => Buffer.from(s, 'latin1');
const BODY_PREFIX = enc('{"body": "');
/** In TAIL: a JSON string without escapes or control characters here. */
const STR = -1;
/** In TAIL: a JSON integer here (no sign, no leading zero). */
const INT = -2;
/**
 * The tail after the body, as one program: a byte value must match exactly, STR and INT read
 * a string's characters (up to its closing quote, which the next byte matches) or a number.
 */
const TAIL: Int16Array = (() => {
  const parts: (string | number)[] = [
    '", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"hostname": "', STR,
    '"}, "properties": {"delivery_mode": ', INT,
    ', "delivery_info": {"exchange": "', STR,
    '", "routing_key": "', STR,
    '"}, "priority": ', INT,
    ', "body_encoding": "base64", "delivery_tag": "', STR,
    '"}}',
  ];
  const codes: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') codes.push(p);
    else for (const c of enc(p)) codes.push(c);
  }
  return Int16Array.from(codes);
})();

const EQ = 61;
const QUOTE = 34;
const BACKSLASH = 92;

/** Decoded bytes are written here (grown when a body needs more); the text is made from it. */
let scratch = Buffer.allocUnsafe(16384);

/**
 * Checks the envelope's tail from `i` (the body's closing quote) to `end`: the fixed keys,
 * strings without escapes or control characters, integers as JSON writes them.
 */
function tailMatches(buf: Buffer, i: number, end: number): boolean {
  const t = TAIL;
  const n = t.length;
  for (let p = 0; p < n; p++) {
    const want = t[p]!;
    if (want >= 0) {
      if (i >= end || buf[i] !== want) return false;
      i++;
    } else if (want === STR) {
      // Up to (not including) the closing quote, which the next code matches.
      for (;;) {
        if (i >= end) return false;
        const c = buf[i]!;
        if (c === QUOTE) break;
        if (c === BACKSLASH || c < 0x20) return false;
        i++;
      }
    } else {
      if (i >= end) return false;
      const first = buf[i]!;
      if (first < 48 || first > 57) return false;
      i++;
      if (first !== 48) while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
    }
  }
  return i === end;
}

/**
 * The payload text of a Celery event envelope held in `buf[start, end)`, or null when the
 * bytes are not exactly that shape (the caller then reads them as text, see unwrapEnvelope).
 */
export function unwrapEventBytes(buf: Buffer, start: number, end: number): string | null {
  const pl = BODY_PREFIX.length;
  if (end - start < pl) return null;
  for (let k = 0; k < pl; k++) if (buf[start + k] !== BODY_PREFIX[k]) return null;
  const bodyStart = start + pl;
  // The body's closing quote (base64 has none); a backslash before it means escapes.
  const bodyEnd = buf.indexOf(QUOTE, bodyStart);
  if (bodyEnd < 0 || bodyEnd >= end || !tailMatches(buf, bodyEnd, end)) return null;
  const len = bodyEnd - bodyStart;
  if (len % 4 !== 0) return null;
  const body = buf.toString('latin1', bodyStart, bodyEnd);
  const pad = len === 0 || buf[bodyEnd - 1] !== EQ ? 0 : buf[bodyEnd - 2] === EQ ? 2 : 1;
  const expected = (len / 4) * 3 - pad;
  if (scratch.length < expected) scratch = Buffer.allocUnsafe(Math.max(expected, scratch.length * 2));
  // Node's decoder skips characters outside the alphabet (and stops at a '=' inside), so a
  // short result gives them away; it also takes the URL-safe '-' and '_', which kombu never
  // writes. Exactly the length, without those two: plain base64 (the check unwrapEnvelope makes).
  const n = scratch.write(body, 0, expected, 'base64');
  if (n !== expected || body.indexOf('-') !== -1 || body.indexOf('_') !== -1 || body.indexOf('\\') !== -1) return null;
  return scratch.toString('utf8', 0, n);
}

/**
 * Hands one Redis event message (`buf[start, end)`, an envelope) to the consumer: the payload,
 * or the reason it is skipped. Same outcome as reading the message as a UTF-8 string with
 * unwrapEnvelope (messages over `maxChars` characters are too large), minus the string.
 */
export function deliverEnvelope(buf: Buffer, start: number, end: number, maxChars: number, consumer: EventConsumer): void {
  // Bytes ≥ characters: within the limit in bytes is within it in characters.
  if (end - start <= maxChars) {
    const text = unwrapEventBytes(buf, start, end);
    if (text !== null) {
      consumer.payload(text, null);
      return;
    }
  }
  const raw = buf.toString('utf8', start, end);
  if (raw.length > maxChars) {
    consumer.malformed('too_large', `${raw.length} characters`);
    return;
  }
  const r = unwrapEnvelope(raw);
  if (r.ok) consumer.payload(r.text, null);
  else consumer.malformed(r.kind, r.detail);
}
