/**
 * A RESP2 reader for a connection in pub/sub mode, built for the event firehose: a published
 * message (`*4 pmessage pattern channel payload`, or `*3 message channel payload`) is handed
 * over as a byte range of the socket's own chunk, with no Buffer, string or array made for it.
 * Every other reply (subscribe confirmations, errors, PONG) is decoded to plain values.
 *
 * A reply split across chunks is kept as a list of chunks until the bytes it needs have
 * arrived, then joined once (no quadratic re-copying for a large message). A payload longer
 * than `maxPayloadBytes` is reported by its length and skipped as it streams past, never
 * buffered whole.
 */

/** A decoded RESP2 value; `Error` for an error reply. Bulk strings are decoded as UTF-8. */
export type RespValue = string | number | null | Error | RespValue[];

export interface RespSubscriberHandler {
  /** A published message: `buf[start, end)` is its payload, valid only during the call. */
  message(buf: Buffer, start: number, end: number): void;
  /** A published message whose payload (`bytes` long) was skipped unread. */
  oversize(bytes: number): void;
  /** Any other reply. */
  reply(value: RespValue): void;
}

/** The stream broke the protocol; the connection must be dropped. */
export class RespProtocolError extends Error {}

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
/** Returned instead of an offset or a length when the reply is not complete yet (never a real value). */
const NEED_MORE = -(2 ** 53);

/** `*4\r\n$8\r\npmessage\r\n` and `*3\r\n$7\r\nmessage\r\n` as bytes. */
const PMESSAGE = Buffer.from('*4\r\n$8\r\npmessage\r\n', 'latin1');
const MESSAGE = Buffer.from('*3\r\n$7\r\nmessage\r\n', 'latin1');

function startsWith(buf: Buffer, i: number, prefix: Buffer): boolean {
  if (buf.length - i < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (buf[i + k] !== prefix[k]) return false;
  return true;
}

export class RespSubscriberParser {
  /** Chunks of an incomplete reply, oldest first (the first one cut at the reply's start). */
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Bytes the incomplete reply needs at least before it is worth parsing again. */
  private need = 0;
  /** Payload bytes (plus its CRLF) still to skip of an oversize message. */
  private skip = 0;
  /** Set by the last parse that ran out of data: the bytes it needed from its start. */
  private want = 0;

  /**
   * `reusedChunks`: the caller passes the same memory again for the next read (net's
   * `onread` buffer), so an incomplete reply's bytes are copied out rather than referenced.
   */
  constructor(
    private readonly handler: RespSubscriberHandler,
    private readonly maxPayloadBytes = Number.POSITIVE_INFINITY,
    private readonly reusedChunks = false,
  ) {}

  /** Drops any partial reply (after a reconnect the next byte starts a new stream). */
  reset(): void {
    this.parts = [];
    this.partsLen = 0;
    this.need = 0;
    this.skip = 0;
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    let i = 0;
    if (this.skip > 0) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      if (this.skip > 0) return;
      i = n;
    } else if (this.partsLen > 0) {
      this.parts.push(this.reusedChunks ? Buffer.from(chunk) : chunk);
      this.partsLen += chunk.length;
      if (this.partsLen < this.need) return;
      buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLen);
      this.parts = [];
      this.partsLen = 0;
    }
    const len = buf.length;
    while (i < len) {
      const next = this.parseOne(buf, i);
      if (next === NEED_MORE) {
        this.parts = [this.reusedChunks && buf === chunk ? Buffer.from(buf.subarray(i)) : buf.subarray(i)];
        this.partsLen = len - i;
        this.need = this.want;
        return;
      }
      if (this.skip > 0) {
        // An oversize payload: skip what of it is here, the rest as it arrives.
        const n = Math.min(this.skip, len - next);
        this.skip -= n;
        i = next + n;
        continue;
      }
      i = next;
    }
  }

  /** Parses one reply at `i`; returns the offset after it, or NEED_MORE (and sets `want`). */
  private parseOne(buf: Buffer, i: number): number {
    if (buf[i] === STAR) {
      if (startsWith(buf, i, PMESSAGE)) return this.message(buf, i, i + PMESSAGE.length, 2);
      if (startsWith(buf, i, MESSAGE)) return this.message(buf, i, i + MESSAGE.length, 1);
    }
    const r = this.value(buf, i, 0);
    if (r === NEED_MORE) return NEED_MORE;
    this.handler.reply(this.lastValue);
    return r;
  }

  /** After the `message`/`pmessage` element: `skipBulks` bulk strings, then the payload. */
  private message(buf: Buffer, from: number, i: number, skipBulks: number): number {
    for (let k = 0; k < skipBulks; k++) {
      const n = this.bulkLength(buf, i);
      if (n === NEED_MORE) return this.needMore(buf, from, 0);
      if (n < 0) {
        i = this.headerEnd;
        continue;
      }
      i = this.headerEnd + n + 2;
      if (i > buf.length) return this.needMore(buf, from, i);
      if (buf[i - 2] !== CR || buf[i - 1] !== LF) throw new RespProtocolError('bulk string without CRLF');
    }
    const n = this.bulkLength(buf, i);
    if (n === NEED_MORE) return this.needMore(buf, from, 0);
    const start = this.headerEnd;
    if (n < 0) {
      // A nil payload cannot be published; accept it as an empty message.
      this.handler.message(buf, start, start);
      return start;
    }
    if (n > this.maxPayloadBytes) {
      this.handler.oversize(n);
      this.skip = n + 2;
      return start;
    }
    const end = start + n;
    if (end + 2 > buf.length) return this.needMore(buf, from, end + 2);
    if (buf[end] !== CR || buf[end + 1] !== LF) throw new RespProtocolError('bulk string without CRLF');
    this.handler.message(buf, start, end);
    return end + 2;
  }

  private needMore(buf: Buffer, from: number, upTo: number): number {
    // At least one byte more than we have, and at least what the reply said it needs.
    this.want = Math.max(upTo, buf.length + 1) - from;
    return NEED_MORE;
  }

  /** Set by `bulkLength`/`line`: the offset after the header line's CRLF. */
  private headerEnd = 0;

  /** Reads `$<n>\r\n` at `i`: n (-1 for nil), or NEED_MORE. Sets headerEnd. */
  private bulkLength(buf: Buffer, i: number): number {
    if (i >= buf.length) return NEED_MORE;
    if (buf[i] !== DOLLAR) throw new RespProtocolError(`expected a bulk string, got byte ${buf[i]}`);
    return this.integerLine(buf, i + 1);
  }

  /** Reads a decimal integer ended by CRLF at `i`; sets headerEnd. */
  private integerLine(buf: Buffer, i: number): number {
    const len = buf.length;
    let neg = false;
    if (i < len && buf[i] === 45 /* - */) {
      neg = true;
      i++;
    }
    let n = 0;
    let digits = 0;
    for (;;) {
      if (i >= len) return NEED_MORE;
      const c = buf[i]!;
      if (c >= 48 && c <= 57) {
        if (++digits > 15) throw new RespProtocolError('number too long');
        n = n * 10 + (c - 48);
        i++;
        continue;
      }
      if (c !== CR) throw new RespProtocolError(`unexpected byte ${c} in a number`);
      if (i + 1 >= len) return NEED_MORE;
      if (buf[i + 1] !== LF) throw new RespProtocolError('CR without LF');
      if (digits === 0) throw new RespProtocolError('empty number');
      this.headerEnd = i + 2;
      return neg ? -n : n;
    }
  }

  /** The value the last `value` call decoded. */
  private lastValue: RespValue = null;

  /** Decodes any RESP2 value at `i` into lastValue; returns the offset after it or NEED_MORE. */
  private value(buf: Buffer, i: number, depth: number): number {
    if (depth > 8) throw new RespProtocolError('nested too deep');
    if (i >= buf.length) return this.needMore(buf, i, i + 1);
    const type = buf[i]!;
    switch (type) {
      case 43: // + simple string
      case 45: {
        // - error
        const eol = buf.indexOf(CR, i + 1);
        if (eol < 0 || eol + 1 >= buf.length) return this.needMore(buf, i, buf.length + 1);
        if (buf[eol + 1] !== LF) throw new RespProtocolError('CR without LF');
        const text = buf.toString('utf8', i + 1, eol);
        this.lastValue = type === 43 ? text : new Error(text);
        return eol + 2;
      }
      case 58: {
        // : integer
        const n = this.integerLine(buf, i + 1);
        if (n === NEED_MORE) return this.needMore(buf, i, 0);
        this.lastValue = n;
        return this.headerEnd;
      }
      case DOLLAR: {
        const n = this.bulkLength(buf, i);
        if (n === NEED_MORE) return this.needMore(buf, i, 0);
        if (n < 0) {
          this.lastValue = null;
          return this.headerEnd;
        }
        const end = this.headerEnd + n;
        if (end + 2 > buf.length) return this.needMore(buf, i, end + 2);
        if (buf[end] !== CR || buf[end + 1] !== LF) throw new RespProtocolError('bulk string without CRLF');
        this.lastValue = buf.toString('utf8', this.headerEnd, end);
        return end + 2;
      }
      case STAR: {
        const n = this.integerLine(buf, i + 1);
        if (n === NEED_MORE) return this.needMore(buf, i, 0);
        if (n < 0) {
          this.lastValue = null;
          return this.headerEnd;
        }
        let at = this.headerEnd;
        const items: RespValue[] = [];
        for (let k = 0; k < n; k++) {
          const next = this.value(buf, at, depth + 1);
          if (next === NEED_MORE) return this.needMore(buf, i, Math.max(this.want + at, buf.length + 1));
          items.push(this.lastValue);
          at = next;
        }
        this.lastValue = items;
        return at;
      }
      default:
        throw new RespProtocolError(`unknown reply type byte ${type}`);
    }
  }
}
