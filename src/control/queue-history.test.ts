import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { QueueHistory } from './queue-history.js';
import { MAX_SAMPLES, QueueSampler } from './queue-sampler.js';
import type { QueueDepth } from './transport.js';

const d = (name: string, messages: number) => ({ name, messages });

describe('QueueHistory', () => {
  it('keeps the newest `capacity` samples, oldest first, aligned across queues', () => {
    const h = new QueueHistory({ capacity: 3, maxQueues: 10 });
    h.record(1, [d('a', 10)]);
    h.record(2, [d('a', 11), d('b', 5)]);
    expect(h.slice()).toEqual({ t: [1, 2], items: [{ name: 'a', messages: [10, 11] }, { name: 'b', messages: [null, 5] }] });
    h.record(3, [d('b', 6)]);
    h.record(4, [d('a', 13), d('b', 7)]);
    h.record(5, [d('a', 14), d('b', 8)]);
    expect(h.size).toBe(3);
    expect(h.slice()).toEqual({ t: [3, 4, 5], items: [{ name: 'a', messages: [null, 13, 14] }, { name: 'b', messages: [6, 7, 8] }] });
  });

  it('answers samples after `since`, for the queues asked', () => {
    const h = new QueueHistory({ capacity: 100, maxQueues: 10 });
    for (let t = 1; t <= 50; t++) h.record(t, [d('a', t), d('b', -t)]);
    const s = h.slice(['b'], 47);
    expect(s).toEqual({ t: [48, 49, 50], items: [{ name: 'b', messages: [-48, -49, -50] }] });
    expect(h.slice(['nope']).items).toEqual([]);
    expect(h.slice(undefined, 50)).toEqual({ t: [], items: [{ name: 'a', messages: [] }, { name: 'b', messages: [] }] });
  });

  it('refuses queues beyond maxQueues instead of growing', () => {
    const h = new QueueHistory({ capacity: 4, maxQueues: 2 });
    h.record(1, [d('a', 1), d('b', 2), d('c', 3)]);
    h.record(2, [d('c', 3), d('d', 4)]);
    expect(h.names()).toEqual(['a', 'b']);
    expect([...h.refused].sort()).toEqual(['c', 'd']);
    expect(h.has('c')).toBe(false);
  });

  it('rejects a zero capacity', () => {
    expect(() => new QueueHistory({ capacity: 0, maxQueues: 1 })).toThrow(RangeError);
  });
});

describe('QueueSampler', () => {
  const log = pino({ level: 'silent' });

  it('sizes the ring for 24 h at its interval, capped', () => {
    const m = async () => [];
    expect(new QueueSampler({ measure: m, intervalS: 10, log }).history.opts.capacity).toBe(8640);
    expect(new QueueSampler({ measure: m, intervalS: 60, log }).history.opts.capacity).toBe(1440);
    expect(new QueueSampler({ measure: m, intervalS: 1, log }).history.opts.capacity).toBe(MAX_SAMPLES);
  });

  it('records each sample at its start time, skips failed ones, never runs two at once', async () => {
    let clock = 100;
    let depth = 0;
    let fail = false;
    let inFlight = 0;
    let maxInFlight = 0;
    const measure = async (): Promise<QueueDepth[]> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (fail) throw new Error('broker down');
      return [{ name: 'celery', messages: depth }];
    };
    const s = new QueueSampler({ measure, intervalS: 10, log, now: () => clock });
    depth = 3;
    await Promise.all([s.sample(), s.sample()]);
    clock = 110;
    fail = true;
    await s.sample();
    clock = 120;
    fail = false;
    depth = 7;
    await s.sample();
    expect(maxInFlight).toBe(1);
    expect(s.history.slice()).toEqual({ t: [100, 120], items: [{ name: 'celery', messages: [3, 7] }] });
  });
});
