import { describe, expect, it } from 'vitest';
import { buildTaskMessage, celeryIso } from './task-message.js';

describe('buildTaskMessage', () => {
  it('writes protocol 2 headers, body and the task-sent event', () => {
    const m = buildTaskMessage({ name: 'tasks.add', args: [2, 3], kwargs: { a: 'x' }, origin: 'celeriac@h', clock: 7 });
    expect(m.headers).toMatchObject({
      lang: 'py', task: 'tasks.add', id: m.id, root_id: m.id, parent_id: null, eta: null, expires: null,
      retries: 0, timelimit: [null, null], argsrepr: '(2, 3)', kwargsrepr: "{'a': 'x'}", origin: 'celeriac@h', ignore_result: false,
    });
    expect(JSON.parse(m.body)).toEqual([[2, 3], { a: 'x' }, { callbacks: null, errbacks: null, chain: null, chord: null }]);
    expect(m).toMatchObject({ exchange: '', routingKey: 'celery', queue: 'celery', priority: 0, correlationId: m.id });
    expect(m.expiration).toBeUndefined();
    expect(m.sentEvent).toMatchObject({ type: 'task-sent', uuid: m.id, name: 'tasks.add', args: '(2, 3)', queue: 'celery', hostname: 'celeriac@h', clock: 7 });
  });

  it('turns countdown into a 6-digit eta and expires into an AMQP expiration', () => {
    const before = Date.now();
    const m = buildTaskMessage({ name: 't', options: { countdown: 10, expires: 60, queue: 'q', priority: 5 }, origin: 'o', clock: 1 });
    expect(m.headers.eta).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);
    const eta = Date.parse(String(m.headers.eta).replace(/(\.\d{3})\d{3}/, '$1'));
    expect(eta - before).toBeGreaterThanOrEqual(9999);
    expect(Number(m.expiration)).toBeGreaterThan(59000);
    expect(Number(m.expiration)).toBeLessThanOrEqual(60000);
    expect(m).toMatchObject({ routingKey: 'q', queue: 'q', priority: 5 });
  });

  it('accepts Flower\'s eta format and ISO times; refuses nonsense', () => {
    const m = buildTaskMessage({ name: 't', options: { eta: '2030-01-02 03:04:05.123456' }, origin: 'o', clock: 1 });
    expect(m.headers.eta).toBe('2030-01-02T03:04:05.123000+00:00');
    const m2 = buildTaskMessage({ name: 't', options: { expires: '2030-01-02T03:04:05+02:00' }, origin: 'o', clock: 1 });
    expect(m2.headers.expires).toBe('2030-01-02T01:04:05.000000+00:00');
    expect(() => buildTaskMessage({ name: 't', options: { eta: 'tomorrow' }, origin: 'o', clock: 1 })).toThrow(/not a time/);
    expect(() => buildTaskMessage({ name: 't', options: { priority: 300 }, origin: 'o', clock: 1 })).toThrow(/priority/);
    expect(() => buildTaskMessage({ name: '', origin: 'o', clock: 1 })).toThrow(/name/);
  });

  it('formats dates the way Celery 5.2 parses them', () => {
    expect(celeryIso(new Date(Date.UTC(2026, 10, 22, 2, 20, 19, 458)))).toBe('2026-11-22T02:20:19.458000+00:00');
  });
});
