import { randomBytes } from 'node:crypto';
import { envelopeMiddle, ROUTING_KEYS, type MessageSink } from './events.js';

/** Bytes of output buffer allocated at a time; commands are written into it back to back. */
const SLAB = 1 << 20;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * The benchmark publisher's Redis side: each message becomes a RESP `PUBLISH` of kombu's
 * envelope, written straight into a large buffer (no per-message Buffer, no strings joined per
 * tick): the command head and base64 body as one string write, the envelope's fixed middle
 * per sender and routing key computed once, the delivery tag (a fresh random uuid4) written as
 * hex bytes. `flush()` hands what was written since the last flush to the socket.
 *
 * The bytes are exactly what events.ts `envelope()` makes, wrapped in the PUBLISH command.
 */
export class RespPublishEncoder implements MessageSink {
  private slab = Buffer.allocUnsafe(SLAB);
  /** Start of the bytes not yet handed to `write`, and the end of the written ones. */
  private start = 0;
  private off = 0;
  private ok = true;
  /** `*3 PUBLISH <channel> $` per routing key: the envelope's length follows. */
  private readonly heads: string[];
  /** envelopeMiddle per host and routing key, made on first use (with its length in bytes). */
  private readonly middles: (string | undefined)[][];
  private readonly middleBytes: number[][];
  /** Every host name is ASCII: payloads go through btoa and strings are written as Latin-1. */
  private readonly ascii: boolean;
  /** xoshiro128** state for delivery tags, seeded from the OS. */
  private readonly s = new Uint32Array(4);
  messages = 0;

  constructor(
    db: number,
    private readonly hosts: readonly string[],
    private readonly write: (chunk: Buffer) => boolean,
  ) {
    this.heads = ROUTING_KEYS.map((rk) => {
      const channel = `/${db}.celeryev/${rk}`;
      return `*3\r\n$7\r\nPUBLISH\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n$`;
    });
    this.middles = hosts.map(() => []);
    this.middleBytes = hosts.map(() => []);
    this.ascii = hosts.every((h) => Buffer.byteLength(h, 'utf8') === h.length);
    const seed = randomBytes(16);
    for (let i = 0; i < 4; i++) this.s[i] = seed.readUInt32LE(i * 4);
    if (this.s.every((x) => x === 0)) this.s[0] = 1;
  }

  message(routingKey: number, host: number, payload: string, _taskEvents: number): void {
    this.messages++;
    let mid = this.middles[host]![routingKey];
    if (mid === undefined) {
      mid = envelopeMiddle(this.hosts[host]!, ROUTING_KEYS[routingKey]!);
      this.middles[host]![routingKey] = mid;
      this.middleBytes[host]![routingKey] = Buffer.byteLength(mid, 'utf8');
    }
    const midBytes = this.middleBytes[host]![routingKey]!;
    // btoa reads a Latin-1 string: right for ASCII payloads, which LifecycleStream's are when
    // every host name is (the rest of its text is ASCII by construction).
    const body = this.ascii ? btoa(payload) : Buffer.from(payload, 'utf8').toString('base64');
    // {"body": "<body><middle><tag>"}}
    const envLen = 10 + body.length + midBytes + 36 + 3;
    const head = `${this.heads[routingKey]}${envLen}\r\n{"body": "`;
    const total = head.length + envLen - 10 + 2;
    if (this.off + total > this.slab.length) this.newSlab(total);
    const buf = this.slab;
    let o = this.off;
    o += buf.write(head + body, o, 'latin1');
    o += buf.write(mid, o, this.ascii ? 'latin1' : 'utf8');
    o = this.tag(buf, o);
    buf[o] = 34; // "
    buf[o + 1] = 125; // }
    buf[o + 2] = 125;
    buf[o + 3] = 13;
    buf[o + 4] = 10;
    this.off = o + 5;
  }

  /** Hands everything written since the last call to `write`; false if it asked to wait for drain. */
  flush(): boolean {
    this.handOver();
    const ok = this.ok;
    this.ok = true;
    return ok;
  }

  private handOver(): void {
    if (this.off > this.start) {
      this.ok = this.write(this.slab.subarray(this.start, this.off)) && this.ok;
      this.start = this.off;
    }
  }

  private newSlab(atLeast: number): void {
    this.handOver();
    // The old slab stays alive until the socket has written its parts.
    this.slab = Buffer.allocUnsafe(Math.max(SLAB, atLeast));
    this.start = 0;
    this.off = 0;
  }

  /** A random uuid4 (8-4-4-4-12 lowercase hex) written at `o`; returns the offset after it. */
  private tag(buf: Buffer, o: number): number {
    const a = this.next();
    const b = this.next();
    const c = ((this.next() & 0x3fffffff) | 0x80000000) >>> 0; // variant 10xx
    const d = this.next();
    o = hex(buf, o, a, 8);
    buf[o++] = 45;
    o = hex(buf, o, b >>> 16, 4);
    buf[o++] = 45;
    o = hex(buf, o, (b & 0x0fff) | 0x4000, 4); // version 4
    buf[o++] = 45;
    o = hex(buf, o, c >>> 16, 4);
    buf[o++] = 45;
    o = hex(buf, o, c & 0xffff, 4);
    return hex(buf, o, d, 8);
  }

  /** xoshiro128** */
  private next(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return r;
  }
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** The low `digits` hex digits of `x`, most significant first. */
function hex(buf: Buffer, o: number, x: number, digits: number): number {
  for (let i = digits - 1; i >= 0; i--) {
    buf[o + i] = HEX[x & 15]!;
    x >>>= 4;
  }
  return o + digits;
}

/**
 * Counts Redis' replies to the PUBLISH commands (one line each, `:<subscribers>` normally) and
 * keeps the smallest subscriber count, reading the reply bytes as they come.
 */
export class PublishReplyCounter {
  replies = 0;
  /** Smallest `:<n>` reply seen (Infinity before the first). */
  minSubscribers = Number.POSITIVE_INFINITY;
  private atLineStart = true;
  private isInteger = false;
  private n = 0;

  push(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.atLineStart) {
        this.atLineStart = false;
        this.isInteger = c === 58; // :
        this.n = 0;
        continue;
      }
      if (c === 10) {
        this.replies++;
        if (this.isInteger && this.n < this.minSubscribers) this.minSubscribers = this.n;
        this.atLineStart = true;
      } else if (this.isInteger && c >= 48 && c <= 57) this.n = this.n * 10 + (c - 48);
    }
  }
}
