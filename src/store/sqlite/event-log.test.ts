import { describe, expect, it } from 'vitest';
import { cutter } from '../rows.js';
import type { CeleryEvent } from '../../state/types.js';
import type { StoredEvent } from '../types.js';
import { eventKey, readLogRow, sameEvent, splitJsonArray, storedText } from './event-log.js';

describe('splitJsonArray', () => {
  it('returns the elements of an array as they are written', () => {
    expect(splitJsonArray('[]')).toEqual([]);
    expect(splitJsonArray('[ ]')).toEqual([]);
    expect(splitJsonArray('[{"a": 1}]')).toEqual(['{"a": 1}']);
    expect(splitJsonArray(' [ {"a": 1} ,\n {"b": [1, 2, {"c": "]"}]} ] ')).toEqual(['{"a": 1}', '{"b": [1, 2, {"c": "]"}]}']);
    expect(splitJsonArray('[1, "x", null, [2, 3]]')).toEqual(['1', '"x"', 'null', '[2, 3]']);
  });

  it('is not fooled by brackets, commas, quotes and escapes inside strings', () => {
    const values = [
      { s: 'a, b' }, { s: '[{' }, { s: '}]' }, { s: 'quote " inside' }, { s: 'backslash \\' }, { s: '\\"' },
      { s: 'ends with backslash \\\\' }, { s: 'unicode é ✓ \u0000 \u2028' }, { s: '' }, { n: [[], {}, [{}]] },
    ];
    const text = JSON.stringify(values);
    const parts = splitJsonArray(text)!;
    expect(parts.map((p) => JSON.parse(p) as unknown)).toEqual(values);
    // Python's json.dumps spacing, as Celery sends it
    const spaced = `[${values.map((v) => JSON.stringify(v).replace(/":/g, '": ')).join(', ')}]`;
    expect(splitJsonArray(spaced)!.map((p) => JSON.parse(p) as unknown)).toEqual(values);
  });

  it('matches JSON.parse on random arrays of events', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const chars = ['a', ',', '[', ']', '{', '}', '"', '\\', ' ', 'é', '\n', ':'];
    for (let round = 0; round < 300; round++) {
      const arr = Array.from({ length: Math.floor(rnd() * 6) }, (_, i) => ({
        type: 'task-succeeded',
        uuid: `u-${round}-${i}`,
        result: Array.from({ length: Math.floor(rnd() * 20) }, () => chars[Math.floor(rnd() * chars.length)]).join(''),
        nested: rnd() < 0.5 ? [1, { x: 'y' }] : null,
      }));
      const text = JSON.stringify(arr, null, rnd() < 0.5 ? 1 : undefined);
      expect(splitJsonArray(text)!.map((p) => JSON.parse(p) as unknown)).toEqual(arr);
    }
  });

  it('says null for what is not an array', () => {
    expect(splitJsonArray('{"a": 1}')).toBeNull();
    expect(splitJsonArray('')).toBeNull();
    expect(splitJsonArray('[1, 2')).toBeNull();
  });
});

describe('storedText', () => {
  const cut = cutter(300);
  it('keeps the text an event arrived in when nothing in it can be too long', () => {
    const raw = '{"type": "task-succeeded", "uuid": "u1", "result": "42"}';
    expect(storedText(JSON.parse(raw) as never, raw, 300, cut)).toBe(raw);
  });

  it('rebuilds the event with long strings cut, identity untouched', () => {
    const ev = { type: 'task-failed', uuid: 'u2', hostname: 'w1', timestamp: 1.5, traceback: 'x'.repeat(1000) };
    const text = storedText(ev as never, JSON.stringify(ev), 300, cut);
    const back = JSON.parse(text) as Record<string, string>;
    expect(back.traceback).toBe(`${'x'.repeat(300)}…`);
    expect(back).toMatchObject({ type: 'task-failed', uuid: 'u2', hostname: 'w1', timestamp: 1.5 });
    // no text (an element whose slice was not found): rebuilt too
    expect(JSON.parse(storedText({ ...ev, traceback: 'short' } as never, null, 300, cut))).toEqual({ ...ev, traceback: 'short' });
  });
});

describe('readLogRow and eventKey', () => {
  it('gives the identity columns and the other fields as data', () => {
    const out: StoredEvent[] = [];
    readLogRow(
      JSON.stringify([
        { hostname: 'w1', utcoffset: 0, pid: 7, clock: 12.9, uuid: 'u', type: 'task-received', timestamp: 10.25, name: 'add', args: '(1,)', eta: null },
        { hostname: 'w1', uuid: 'u', type: 'task-started', timestamp: 11 },
      ]),
      out,
    );
    expect(out).toEqual([
      { uuid: 'u', type: 'task-received', timestamp: 10.25, hostname: 'w1', clock: 12, data: { name: 'add', args: '(1,)', eta: null } },
      { uuid: 'u', type: 'task-started', timestamp: 11, hostname: 'w1', clock: 0, data: {} },
    ]);
  });

  it('keys an event by timestamp, type, hostname and whole clock', () => {
    const a = { timestamp: 10.25, type: 'task-started', hostname: 'w1', clock: 5.7 };
    expect(eventKey(a)).toBe(eventKey({ ...a, clock: 5, extra: 1 }));
    expect(eventKey(a)).not.toBe(eventKey({ ...a, timestamp: 10.250001 }));
    expect(eventKey(a)).not.toBe(eventKey({ ...a, hostname: 'w2' }));
    expect(eventKey({ ...a, clock: undefined })).toBe(eventKey({ ...a, clock: 0 }));
  });

  it('compares two events (sameEvent) exactly as their keys do', () => {
    const a = { uuid: 'u', timestamp: 10.25, type: 'task-started', hostname: 'w1', clock: 5.7 } as CeleryEvent;
    const others: CeleryEvent[] = [
      { ...a, clock: 5 }, { ...a, clock: 6 }, { ...a, clock: undefined }, { ...a, timestamp: 10.250001 },
      { ...a, type: 'task-received' }, { ...a, hostname: 'w2' }, { ...a, pid: 9 },
    ];
    for (const b of others) expect(sameEvent(a, b), JSON.stringify(b)).toBe(eventKey(a) === eventKey(b));
    expect(sameEvent({ ...a, clock: undefined }, { ...a, clock: 0 })).toBe(true);
  });
});

describe('RecentTasks', () => {
  it('remembers the last N uuids written', async () => {
    const { RecentTasks } = await import('./batch.js');
    const r = new RecentTasks(4);
    for (const u of ['a', 'b', 'c', 'd']) r.add(u);
    expect(['a', 'b', 'c', 'd', 'e'].map((u) => r.has(u))).toEqual([true, true, true, true, false]);
    r.add('b'); // already there: nothing moves
    r.add('e'); // pushes out the oldest
    expect(['a', 'b', 'c', 'd', 'e'].map((u) => r.has(u))).toEqual([false, true, true, true, true]);
    for (let i = 0; i < 100; i++) r.add(`x${i}`);
    expect(r.has('e')).toBe(false);
    expect(r.has('x99')).toBe(true);
  });
});
