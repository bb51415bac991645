/**
 * The Redis event hot path's envelope reader: takes kombu's event envelope as the bytes it
 * arrived in and returns the payload text: no UTF-8 decoding of the envelope, no captures, no
 * Buffer per message (the base64 body is decoded into one reused buffer).
 *
 * It only accepts the exact shape Celery writes for events (see EVENT_TAIL in kombu.ts): a
 * body of plain base64 followed by the fixed keys. For anything else it returns null and the
 * caller reads the envelope as text with `unwrapEnvelope`, which decides what the message is
 * (another shape, bad base64, not JSON ...). Whatever this accepts, `unwrapEnvelope` accepts
 * too, with the same text (kombu-bytes.test.ts checks both on the same inputs).
 */

import { unwrapEnvelope } from './kombu.js';
import type { EventConsumer } from './types.js';

/** A JSON string without escapes or control characters; a JSON integer as kombu writes them. */
const STR = '"[^"\\\\\\x00-\\x1f]*"';
const INT = '(?:0|[1-9][0-9]*)';
/**
 * The rest of Celery's event envelope after the body (EVENT_TAIL in kombu.ts, without
 * captures), matched in place from the body's closing quote (sticky).
 */
const TAIL = new RegExp(
  `", "content-encoding": "utf-8", "content-type": "application/json", "headers": \\{"hostname": ${STR}\\}, ` +
    `"properties": \\{"delivery_mode": ${INT}, "delivery_info": \\{"exchange": ${STR}, "routing_key": ${STR}\\}, ` +
    `"priority": ${INT}, "body_encoding": "base64", "delivery_tag": ${STR}\\}\\}$`,
  'y',
);
const BODY_PREFIX = '{"body": "';
const EQ = 61;

/** Decoded bytes are written here (grown when a body needs more); the text is made from it. */
let scratch = Buffer.allocUnsafe(16384);

/**
 * The payload text of a Celery event envelope held in `buf[start, end)`, or null when the
 * bytes are not exactly that shape (the caller then reads them as text, see unwrapEnvelope).
 *
 * The envelope is read as Latin-1 (one character per byte, no UTF-8 decoding): the pattern
 * only needs to see quotes, backslashes and control characters, which are single bytes in
 * UTF-8 too, and the body must be base64 (ASCII). The payload is decoded as UTF-8.
 */
export function unwrapEventBytes(buf: Buffer, start: number, end: number): string | null {
  const raw = buf.toString('latin1', start, end);
  if (!raw.startsWith(BODY_PREFIX)) return null;
  const bodyStart = BODY_PREFIX.length;
  // The body's closing quote (base64 has none; an escaped one fails the checks below).
  const bodyEnd = raw.indexOf('"', bodyStart);
  if (bodyEnd < 0) return null;
  TAIL.lastIndex = bodyEnd;
  if (!TAIL.test(raw)) return null;
  const len = bodyEnd - bodyStart;
  if (len % 4 !== 0) return null;
  const body = raw.slice(bodyStart, bodyEnd);
  const pad = len === 0 || raw.charCodeAt(bodyEnd - 1) !== EQ ? 0 : raw.charCodeAt(bodyEnd - 2) === EQ ? 2 : 1;
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
