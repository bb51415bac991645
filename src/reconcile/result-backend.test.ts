import { describe, expect, it } from 'vitest';
import { pyRepr } from '../control/py-repr.js';
import { metaToEvent, parseDateDone } from './result-backend.js';
import { idsFromReply } from './task-source.js';

describe('result backend reading', () => {
  it('parses Celery date_done with and without an offset', () => {
    expect(parseDateDone('2026-11-22T04:30:00.250000')).toBeCloseTo(Date.UTC(2026, 10, 22, 4, 30, 0) / 1000 + 0.25, 6);
    expect(parseDateDone('2026-11-22T04:30:00+00:00')).toBe(Date.UTC(2026, 10, 22, 4, 30, 0) / 1000);
    expect(parseDateDone('2026-11-22T05:30:00.5+01:00')).toBeCloseTo(Date.UTC(2026, 10, 22, 4, 30, 0) / 1000 + 0.5, 6);
    expect(parseDateDone('yesterday')).toBeNull();
    expect(parseDateDone(null)).toBeNull();
  });

  it('turns final metas into derived task events, and ignores unfinished ones', () => {
    const t = { uuid: 'u1', worker: 'w1@h', timestamp: 1 };
    const ok = metaToEvent(t, { status: 'SUCCESS', result: { a: [1, null, true] }, date_done: '2026-11-22T04:30:00' }, 99)!;
    expect(ok).toMatchObject({ type: 'task-succeeded', uuid: 'u1', hostname: 'w1@h', result: "{'a': [1, None, True]}", derived: 'result-backend' });
    expect(ok.timestamp).toBe(Date.UTC(2026, 10, 22, 4, 30, 0) / 1000);
    const failed = metaToEvent(t, { status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' }, traceback: 'Traceback...' }, 99)!;
    expect(failed).toMatchObject({ type: 'task-failed', exception: "ValueError('boom')", traceback: 'Traceback...', timestamp: 99 });
    expect(metaToEvent(t, { status: 'REVOKED' }, 99)!.type).toBe('task-revoked');
    for (const status of ['PENDING', 'STARTED', 'RETRY', 'PROGRESS']) expect(metaToEvent(t, { status }, 99)).toBeNull();
  });

  it('writes Python reprs like task events do', () => {
    expect(pyRepr(5)).toBe('5');
    expect(pyRepr(2.5)).toBe('2.5');
    expect(pyRepr('it\'s')).toBe('"it\'s"');
    expect(pyRepr('a\nb')).toBe("'a\\nb'");
    expect(pyRepr(null)).toBe('None');
    expect(pyRepr({ value: 'hello', retries: 1 })).toBe("{'value': 'hello', 'retries': 1}");
  });

  it('reads task ids from inspect replies (scheduled ones nest the request)', () => {
    const ids: string[] = [];
    idsFromReply({ 'w1@h': [{ id: 'a', name: 'x' }, { id: 'b' }] }, ids);
    idsFromReply({ 'w1@h': [{ eta: '2026-11-22T00:00:00', priority: 6, request: { id: 'c' } }] }, ids);
    idsFromReply({ 'w2@h': { error: 'nope' } }, ids);
    idsFromReply(null, ids);
    expect(ids).toEqual(['a', 'b', 'c']);
  });
});
