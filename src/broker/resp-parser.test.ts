import { describe, expect, it } from 'vitest';
import { RespProtocolError, RespSubscriberParser, type RespValue } from './resp-parser.js';

type Got = { message: string } | { oversize: number } | { reply: RespValue };

function collect(maxPayloadBytes?: number) {
  const got: Got[] = [];
  const p = new RespSubscriberParser(
    {
      // The range is only valid during the call: copy it out as bytes → text.
      message: (buf, start, end) => got.push({ message: buf.toString('utf8', start, end) }),
      oversize: (bytes) => got.push({ oversize: bytes }),
      reply: (value) => got.push({ reply: value }),
    },
    maxPayloadBytes,
  );
  return { p, got };
}

const bulk = (s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  return Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
};
const pmessage = (payload: string | Buffer, channel = '/0.celeryev/task.sent') =>
  Buffer.concat([Buffer.from('*4\r\n'), bulk('pmessage'), bulk('/0.celeryev/*'), bulk(channel), bulk(payload)]);
const message = (payload: string) => Buffer.concat([Buffer.from('*3\r\n'), bulk('message'), bulk('ch'), bulk(payload)]);

/** A stream with every reply kind the subscriber connection can see. */
const stream = Buffer.concat([
  Buffer.from('+OK\r\n'),
  Buffer.from('-ERR unknown command\r\n'),
  Buffer.from('*3\r\n$10\r\npsubscribe\r\n$13\r\n/0.celeryev/*\r\n:1\r\n'),
  pmessage('{"body": "e30="}'),
  pmessage(''),
  pmessage('h\u00e9llo \u2713 \ud83d\ude00'),
  message('plain channel message'),
  Buffer.from('*2\r\n$4\r\npong\r\n$0\r\n\r\n'),
  Buffer.from('$-1\r\n*-1\r\n:-12\r\n*2\r\n*1\r\n:5\r\n$-1\r\n'),
  pmessage('x'.repeat(5000)),
  pmessage('last'),
]);
const expected: Got[] = [
  { reply: 'OK' },
  { reply: new Error('ERR unknown command') },
  { reply: ['psubscribe', '/0.celeryev/*', 1] },
  { message: '{"body": "e30="}' },
  { message: '' },
  { message: 'h\u00e9llo \u2713 \ud83d\ude00' },
  { message: 'plain channel message' },
  { reply: ['pong', ''] },
  { reply: null },
  { reply: null },
  { reply: -12 },
  { reply: [[5], null] },
  { message: 'x'.repeat(5000) },
  { message: 'last' },
];

describe('RespSubscriberParser', () => {
  it('reads messages and replies from one chunk', () => {
    const { p, got } = collect();
    p.push(stream);
    expect(got).toEqual(expected);
  });

  it('reads the same whatever the stream is cut at (every split point, and byte by byte)', () => {
    for (let at = 0; at <= stream.length; at++) {
      const { p, got } = collect();
      p.push(stream.subarray(0, at));
      p.push(stream.subarray(at));
      expect(got, `split at ${at}`).toEqual(expected);
    }
    const { p, got } = collect();
    for (let i = 0; i < stream.length; i++) p.push(stream.subarray(i, i + 1));
    expect(got).toEqual(expected);
  });

  it('copies an incomplete reply out of a reused read buffer (net onread)', () => {
    const payloads = Array.from({ length: 200 }, (_, i) => `${i}:${'r'.repeat((i * 53) % 1500)}`);
    const all = Buffer.concat([...payloads.map((s) => pmessage(s)), Buffer.from('+OK\r\n')]);
    for (const size of [1, 7, 100, 1024, 4096]) {
      const got: string[] = [];
      const p = new RespSubscriberParser({ message: (b, s, e) => got.push(b.toString('utf8', s, e)), oversize: () => {}, reply: (v) => got.push(String(v)) }, undefined, true);
      const reused = Buffer.alloc(size);
      for (let i = 0; i < all.length; i += size) {
        const n = all.copy(reused, 0, i, i + size);
        p.push(reused.subarray(0, n));
        reused.fill(0x2a); // the next read overwrites it
      }
      expect(got, `reads of ${size}`).toEqual([...payloads, 'OK']);
    }
  });

  it('reads random chunkings of many messages', () => {
    const payloads = Array.from({ length: 300 }, (_, i) => `${i}:${'y'.repeat((i * 37) % 900)}`);
    const all = Buffer.concat(payloads.map((s) => pmessage(s)));
    let seed = 7;
    for (let round = 0; round < 20; round++) {
      const { p, got } = collect();
      let i = 0;
      while (i < all.length) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const n = 1 + (seed % 3000);
        p.push(all.subarray(i, i + n));
        i += n;
      }
      expect(got.map((g) => (g as { message: string }).message)).toEqual(payloads);
    }
  });

  it('joins a large message split into many chunks once it is complete', () => {
    const big = 'z'.repeat(3_000_000);
    const all = Buffer.concat([pmessage(big), pmessage('after')]);
    const { p, got } = collect();
    for (let i = 0; i < all.length; i += 65536) p.push(all.subarray(i, i + 65536));
    expect(got).toHaveLength(2);
    expect((got[0] as { message: string }).message.length).toBe(3_000_000);
    expect(got[1]).toEqual({ message: 'after' });
  });

  it('skips a payload over the limit without buffering it, in one chunk or many', () => {
    const all = Buffer.concat([pmessage('small'), pmessage('q'.repeat(100_000)), pmessage('w'.repeat(100)), pmessage('next')]);
    for (const size of [all.length, 4096, 7, 1]) {
      const { p, got } = collect(100);
      for (let i = 0; i < all.length; i += size) p.push(all.subarray(i, i + size));
      expect(got, `chunks of ${size}`).toEqual([{ message: 'small' }, { oversize: 100_000 }, { message: 'w'.repeat(100) }, { message: 'next' }]);
    }
  });

  it('passes non-UTF-8 bytes through untouched', () => {
    const raw = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x22, 0x0d, 0x0a]);
    let seen: Buffer | null = null;
    const p = new RespSubscriberParser({ message: (b, s, e) => (seen = Buffer.from(b.subarray(s, e))), oversize: () => {}, reply: () => {} });
    p.push(pmessage(raw));
    expect(seen).toEqual(raw);
  });

  it('throws a protocol error on garbage', () => {
    const bad = [
      '?what\r\n',
      '*4\r\n$8\r\npmessage\r\n$3\r\nabcX\r\n',
      '*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$1\r\nc\r\n$2\r\nabc\r\n',
      '$x\r\n',
      '$3\r\nabc\r\r',
      ':12a\r\n',
      ':\r\n',
      `$${'9'.repeat(20)}\r\n`,
      '+OK\rX',
    ];
    for (const s of bad) {
      const { p } = collect();
      expect(() => p.push(Buffer.from(s, 'latin1')), JSON.stringify(s)).toThrow(RespProtocolError);
    }
  });

  it('waits for the rest of a truncated reply instead of guessing', () => {
    const { p, got } = collect();
    const one = pmessage('payload');
    for (let at = 0; at < one.length; at++) {
      p.reset();
      got.length = 0;
      p.push(one.subarray(0, at));
      expect(got, `cut at ${at}`).toEqual([]);
    }
    p.reset();
    p.push(Buffer.from('+OK\r\n'));
    expect(got).toEqual([{ reply: 'OK' }]);
  });
});
