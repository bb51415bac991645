import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.js';
import { parseStaleLimits, StaleRules } from './stale.js';

describe('stale limits', () => {
  it('parses name=started[/received] lists', () => {
    expect(parseStaleLimits('tasks.slow=60, billing.*=600/120')).toEqual([
      { pattern: 'tasks.slow', startedAfter: 60, receivedAfter: undefined },
      { pattern: 'billing.*', startedAfter: 600, receivedAfter: 120 },
    ]);
    expect(parseStaleLimits('')).toEqual([]);
    expect(() => parseStaleLimits('tasks.slow')).toThrow(AppError);
    expect(() => parseStaleLimits('a=x')).toThrow(/--stale-limits/);
  });

  it('first matching override wins, globs match, defaults otherwise', () => {
    const r = new StaleRules({ startedAfter: 3600, receivedAfter: 900, overrides: parseStaleLimits('billing.refund=30,billing.*=600/120') });
    expect(r.limitsFor('billing.refund')).toEqual({ startedAfter: 30, receivedAfter: 900 });
    expect(r.limitsFor('billing.charge')).toEqual({ startedAfter: 600, receivedAfter: 120 });
    expect(r.limitsFor('other')).toEqual({ startedAfter: 3600, receivedAfter: 900 });
    expect(r.limitsFor(null)).toEqual({ startedAfter: 3600, receivedAfter: 900 });
  });

  it('flags started and received tasks past their limit, not before an ETA, never with 0', () => {
    const r = new StaleRules({ startedAfter: 100, receivedAfter: 50, overrides: [] });
    expect(r.check({ name: 'x', state: 'STARTED', received: 0, started: 10, eta: null }, 111)).toMatchObject({ kind: 'started', limit: 100 });
    expect(r.check({ name: 'x', state: 'STARTED', received: 0, started: 10, eta: null }, 109)).toBeNull();
    expect(r.check({ name: 'x', state: 'RECEIVED', received: 10, started: null, eta: null }, 61)).toMatchObject({ kind: 'received' });
    const eta = new Date(100_000).toISOString();
    expect(r.check({ name: 'x', state: 'RECEIVED', received: 10, started: null, eta }, 120)).toBeNull();
    expect(r.check({ name: 'x', state: 'RECEIVED', received: 10, started: null, eta }, 151)).toMatchObject({ kind: 'received' });
    expect(r.check({ name: 'x', state: 'SUCCESS', received: 10, started: 10, eta: null }, 9999)).toBeNull();
    const off = new StaleRules({ startedAfter: 0, receivedAfter: 0, overrides: [] });
    expect(off.check({ name: 'x', state: 'STARTED', received: 0, started: 0, eta: null }, 1e9)).toBeNull();
  });
});
