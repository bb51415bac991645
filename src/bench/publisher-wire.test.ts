import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unwrapEventBytes } from '../broker/kombu-bytes.js';
import { RespSubscriberParser } from '../broker/resp-parser.js';
import { envelope, LifecycleStream, ROUTING_KEYS, type Envelope } from './events.js';
import { PublishReplyCounter, RespPublishEncoder } from './publisher-wire.js';

const FIXTURE = resolve(import.meta.dirname, '../../../shared/fixtures/wire/redis-events.jsonl');
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Published {
  channel: string;
  envelope: string;
}

/** Encodes a stream's messages and reads the PUBLISH commands back. */
function encode(multi: number, hostPrefix: string, steps = 600): { published: Published[]; sent: { rk: string; host: string; payload: string }[] } {
  const stream = new LifecycleStream({ workers: 4, multi, failureRatio: 0.3, delay: 5, hostPrefix, pid: 99 });
  const chunks: Buffer[] = [];
  const enc = new RespPublishEncoder(7, stream.hosts, (c) => {
    chunks.push(Buffer.from(c));
    return true;
  });
  const sent: { rk: string; host: string; payload: string }[] = [];
  stream.sinkTo({
    message(rk, host, payload, n) {
      sent.push({ rk: ROUTING_KEYS[rk]!, host: stream.hosts[host]!, payload });
      enc.message(rk, host, payload, n);
    },
  });
  stream.workerEvents('worker-online');
  for (let i = 0; i < steps; i++) {
    stream.step();
    if (i % 17 === 0) enc.flush();
  }
  stream.drain();
  enc.flush();
  expect(enc.messages).toBe(sent.length);
  // Read the commands back as Redis would get them: arrays of bulk strings.
  const published: Published[] = [];
  const parser = new RespSubscriberParser({
    message: () => {
      throw new Error('not a message');
    },
    oversize: () => {},
    reply: (v) => {
      expect(Array.isArray(v) && v.length === 3 && v[0] === 'PUBLISH').toBe(true);
      const [, channel, env] = v as string[];
      published.push({ channel: channel!, envelope: env! });
    },
  });
  for (const c of chunks) parser.push(c);
  return { published, sent };
}

describe('RespPublishEncoder', () => {
  for (const multi of [0, 24]) {
    it(`writes one PUBLISH per message with kombu's envelope, as events.ts envelope() does (multi ${multi})`, () => {
      const { published, sent } = encode(multi, 'enc');
      expect(published).toHaveLength(sent.length);
      const tags = new Set<string>();
      for (let i = 0; i < sent.length; i++) {
        const p = published[i]!;
        const s = sent[i]!;
        expect(p.channel).toBe(`/7.celeryev/${s.rk}`);
        const env = JSON.parse(p.envelope) as { body: string; headers: { hostname: string }; properties: { delivery_tag: string; delivery_info: { routing_key: string } } };
        expect(Buffer.from(env.body, 'base64').toString('utf8')).toBe(s.payload);
        expect(env.headers.hostname).toBe(s.host);
        expect(env.properties.delivery_info.routing_key).toBe(s.rk);
        expect(env.properties.delivery_tag).toMatch(UUID4);
        tags.add(env.properties.delivery_tag);
        // Byte for byte the envelope events.ts builds (apart from the random tag) ...
        const ref: Envelope = envelope(s.payload, s.rk, s.host, 0);
        const tagOf = (t: string) => /"delivery_tag": "([^"]*)"/.exec(t)![1]!;
        expect(p.envelope).toBe(ref.text.replace(tagOf(ref.text), env.properties.delivery_tag));
        // ... and Celery's exact shape, which the receive path reads without parsing.
        const bytes = Buffer.from(p.envelope, 'utf8');
        expect(unwrapEventBytes(bytes, 0, bytes.length)).toBe(s.payload);
      }
      expect(tags.size).toBe(sent.length);
    });
  }

  it('has the field layout of the captured Celery envelopes', () => {
    const captured = readFileSync(FIXTURE, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { raw: string }).raw);
    const shape = (env: string) =>
      env.replace(/"body": "[^"]*"/, '"body": B').replace(/"hostname": "[^"]*"/, '"hostname": H').replace(/"routing_key": "[^"]*"/, '"routing_key": R').replace(/"delivery_tag": "[^"]*"/, '"delivery_tag": T');
    const { published } = encode(0, 'shape', 50);
    expect(new Set(published.map((p) => shape(p.envelope)))).toEqual(new Set([shape(captured[0]!)]));
  });

  it('writes non-ASCII host names as UTF-8 (and the payload through the UTF-8 path)', () => {
    const { published, sent } = encode(3, 'h\u00f6st-\u2713', 40);
    for (let i = 0; i < sent.length; i++) {
      const env = JSON.parse(published[i]!.envelope) as { body: string; headers: { hostname: string } };
      expect(Buffer.from(env.body, 'base64').toString('utf8')).toBe(sent[i]!.payload);
      expect(env.headers.hostname).toBe(sent[i]!.host);
    }
  });

  it('starts a new buffer for a message larger than what is left, and for one larger than a buffer', () => {
    const chunks: Buffer[] = [];
    const enc = new RespPublishEncoder(0, ['w@h'], (c) => {
      chunks.push(Buffer.from(c));
      return chunks.length % 2 === 0;
    });
    const big = JSON.stringify({ type: 'task-sent', args: 'x'.repeat(3_000_000) });
    enc.message(0, 0, '{"type": "task-sent"}', 1);
    enc.message(0, 0, big, 1);
    enc.message(0, 0, '{"type": "task-started"}', 1);
    expect(enc.flush()).toBe(false); // one of the writes asked to wait
    const got: string[] = [];
    const parser = new RespSubscriberParser({ message: () => {}, oversize: () => {}, reply: (v) => got.push((v as string[])[2]!) });
    for (const c of chunks) parser.push(c);
    expect(got.map((e) => Buffer.from((JSON.parse(e) as { body: string }).body, 'base64').toString().length)).toEqual([21, big.length, 24]);
  });
});

describe('PublishReplyCounter', () => {
  it('counts reply lines and keeps the smallest subscriber count, however the replies are cut', () => {
    const replies = Buffer.from(':3\r\n:12\r\n:1\r\n-ERR something\r\n:7\r\n:0\r\n:25\r\n', 'latin1');
    for (let at = 0; at <= replies.length; at++) {
      const c = new PublishReplyCounter();
      c.push(replies.subarray(0, at));
      c.push(replies.subarray(at));
      expect([at, c.replies, c.minSubscribers]).toEqual([at, 7, 0]);
    }
    const c = new PublishReplyCounter();
    c.push(Buffer.from(':4\r\n:2\r'));
    expect([c.replies, c.minSubscribers]).toEqual([1, 4]);
    c.push(Buffer.from('\n'));
    expect([c.replies, c.minSubscribers]).toEqual([2, 2]);
  });
});
