import { describe, expect, it } from 'vitest';
import {
  applyTaskEvent, CUSTOM_RANK, emptyTask, exceptionType, isSettled, isTerminalEvent, queueWait, rankOf, replacesState, SETTLED_STATES, stateOfEvent, timeFieldOf,
} from './merge.js';
import type { CeleryEvent, Task } from './types.js';

const ev = (type: string, timestamp: number, extra: Partial<CeleryEvent> = {}): CeleryEvent => ({
  type, timestamp, hostname: type === 'task-sent' ? 'gen1@client' : 'w1@host', uuid: 'u1', clock: timestamp, ...extra,
});

function fold(events: CeleryEvent[]): Task {
  const t = emptyTask('u1', events[0]!.timestamp);
  for (const e of events) applyTaskEvent(t, e);
  return t;
}

const lifecycle = [
  ev('task-sent', 1, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', queue: 'celery' }),
  ev('task-received', 2, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', retries: 0 }),
  ev('task-started', 3),
  ev('task-succeeded', 4, { result: '3', runtime: 0.5 }),
];

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('task merge', () => {
  it('ends in the same task whatever order the events arrive in', () => {
    const expected = fold(lifecycle);
    expect(expected).toMatchObject({ state: 'SUCCESS', name: 'tasks.add', args: '(1, 2)', result: '3', runtime: 0.5, worker: 'w1@host', client: 'gen1@client', queue: 'celery', sent: 1, received: 2, started: 3, succeeded: 4, finished: 4, seen_at: 1 });
    for (const order of permutations(lifecycle)) expect(fold(order)).toEqual(expected);
  });

  it('ignores duplicates', () => {
    expect(fold([...lifecycle, ...lifecycle])).toEqual(fold(lifecycle));
  });

  it('a late task-received does not move a started task back, but lends its name and args', () => {
    const t = fold([ev('task-started', 3), ev('task-received', 2, { name: 'tasks.add', args: '(1,)' })]);
    expect(t).toMatchObject({ state: 'STARTED', name: 'tasks.add', args: '(1,)', timestamp: 3 });
  });

  it('follows a retry: RETRY then the new run to SUCCESS, even when events of the retry cross', () => {
    // observed order: sent > received > started > sent > received(retries=1) > retried > started > succeeded
    const retry = [
      ev('task-sent', 1, { name: 'tasks.retry_once' }),
      ev('task-received', 2, { name: 'tasks.retry_once', retries: 0 }),
      ev('task-started', 3),
      ev('task-sent', 4.1, { retries: 1, hostname: 'gen2@child' }),
      ev('task-received', 4.2, { retries: 1, eta: '2026-01-01T00:00:05.000000+00:00' }),
      ev('task-retried', 4.0, { exception: "RuntimeError('transient')", traceback: 'Traceback...' }),
      ev('task-started', 5.2),
      ev('task-succeeded', 5.3, { result: "{'value': 'ok'}", runtime: 0.01 }),
    ];
    const t = fold(retry);
    expect(t).toMatchObject({ state: 'SUCCESS', retries: 1, exception: "RuntimeError('transient')", retried: 4.0, started: 5.2, received: 4.2 });
    // the final task does not depend on the arrival order
    for (const order of permutations(retry)) expect(fold(order)).toEqual(t);
    // the state is RETRY until the new run starts (as in Celery)
    expect(fold(retry.slice(0, 6)).state).toBe('RETRY');
  });

  it('a retried-then-failed task keeps the failure, whichever arrives last', () => {
    const evs = [
      ev('task-started', 1),
      ev('task-retried', 2, { exception: "RuntimeError('first')" }),
      ev('task-started', 3, { hostname: 'w2@host' }),
      ev('task-failed', 4, { exception: "ValueError('final')", traceback: 'TB', hostname: 'w2@host' }),
    ];
    for (const order of permutations(evs)) {
      expect(fold(order)).toMatchObject({ state: 'FAILURE', exception: "ValueError('final')", worker: 'w2@host' });
    }
  });

  it('SUCCESS beats RETRY even when the retrying host clock is ahead', () => {
    const skewed = [ev('task-retried', 10), ev('task-started', 5), ev('task-succeeded', 6)];
    for (const order of permutations(skewed)) expect(fold(order).state).toBe('SUCCESS');
  });

  it('REJECTED after STARTED is terminal (acks_late + Reject)', () => {
    expect(fold([ev('task-received', 1), ev('task-started', 2), ev('task-rejected', 3, { requeue: false })])).toMatchObject({ state: 'REJECTED', requeue: false, finished: 3 });
  });

  it('revoked before received (sent > revoked) ends REVOKED', () => {
    expect(fold([ev('task-sent', 1), ev('task-revoked', 2, { terminated: false, expired: false })]).state).toBe('REVOKED');
  });

  it('custom task events become custom states ranked between REVOKED and FAILURE', () => {
    expect(fold([ev('task-started', 1), ev('task-progress', 2)]).state).toBe('PROGRESS');
    expect(fold([ev('task-progress', 2), ev('task-succeeded', 3)]).state).toBe('SUCCESS');
  });

  it('unknown task (NotRegistered) is a lone task-failed', () => {
    expect(fold([ev('task-failed', 1, { exception: "NotRegistered('tasks.nope')" })])).toMatchObject({ state: 'FAILURE', name: null });
  });

  it('cuts long text fields', () => {
    const t = emptyTask('u1', 1);
    applyTaskEvent(t, ev('task-received', 1, { args: 'x'.repeat(100) }), (s) => s.slice(0, 10));
    expect(t.args).toBe('xxxxxxxxxx');
  });
});

describe('replacesState', () => {
  it('ranks states like Celery (with REJECTED terminal)', () => {
    expect(replacesState('SUCCESS', 1, 'STARTED', 2)).toBe(true);
    expect(replacesState('STARTED', 3, 'SUCCESS', 2)).toBe(false);
    expect(replacesState('RECEIVED', 5, 'STARTED', 2)).toBe(false);
    expect(replacesState('RETRY', 5, 'STARTED', 2)).toBe(true);
    expect(replacesState('RETRY', 1, 'STARTED', 2)).toBe(false);
    expect(replacesState('STARTED', 3, 'RETRY', 2)).toBe(true);
  });
});

describe('derived fields', () => {
  it('exception type from the repr', () => {
    expect(exceptionType("ValueError('x')")).toBe('ValueError');
    expect(exceptionType('celery.exceptions.Retry(...)')).toBe('celery.exceptions.Retry');
    expect(exceptionType('garbage')).toBeNull();
    expect(exceptionType(null)).toBeNull();
  });
  it('queue wait = started - received, none for ETA tasks', () => {
    expect(queueWait({ started: 5, received: 2, sent: 1, eta: null })).toBe(3);
    expect(queueWait({ started: 5, received: null, sent: 1, eta: null })).toBe(4);
    expect(queueWait({ started: 5, received: 2, sent: 1, eta: '2026' })).toBeNull();
    expect(queueWait({ started: null, received: 2, sent: 1, eta: null })).toBeNull();
  });
});

describe('state helpers', () => {
  // The tables these functions were written as before they became switches (hot path).
  const RANK: Record<string, number> = { PENDING: 0, RETRY: 1, RECEIVED: 2, STARTED: 3, ORPHANED: 3, REJECTED: 4, REVOKED: 5, FAILURE: 7, SUCCESS: 8 };
  const EVENT_STATE: Record<string, string> = {
    'task-sent': 'PENDING', 'task-received': 'RECEIVED', 'task-started': 'STARTED', 'task-succeeded': 'SUCCESS', 'task-failed': 'FAILURE',
    'task-retried': 'RETRY', 'task-revoked': 'REVOKED', 'task-rejected': 'REJECTED', 'task-orphaned': 'ORPHANED',
  };
  const TIME_FIELD: Record<string, string> = {
    'task-sent': 'sent', 'task-received': 'received', 'task-started': 'started', 'task-succeeded': 'succeeded', 'task-failed': 'failed',
    'task-retried': 'retried', 'task-revoked': 'revoked', 'task-rejected': 'rejected',
  };
  const types = [...Object.keys(EVENT_STATE), 'task-custom-thing', 'task-x', 'task-constructor', 'task-__proto__'];
  const states = [...Object.keys(RANK), 'CUSTOM_THING', 'PROGRESS', 'constructor', '__proto__', ''];

  it('rankOf, stateOfEvent, timeFieldOf, isTerminalEvent, isSettled agree with the tables', () => {
    for (const s of states) expect([s, rankOf(s)]).toEqual([s, Object.hasOwn(RANK, s) ? RANK[s] : CUSTOM_RANK]);
    for (const s of states) expect([s, isSettled(s)]).toEqual([s, SETTLED_STATES.has(s)]);
    for (const t of types) {
      expect([t, stateOfEvent(t)]).toEqual([t, Object.hasOwn(EVENT_STATE, t) ? EVENT_STATE[t] : t.slice(5).toUpperCase().replace(/-/g, '_')]);
      expect([t, timeFieldOf(t)]).toEqual([t, Object.hasOwn(TIME_FIELD, t) ? TIME_FIELD[t] : undefined]);
      expect([t, isTerminalEvent(t)]).toEqual([t, ['task-succeeded', 'task-failed', 'task-revoked', 'task-rejected'].includes(t)]);
    }
  });

  it('writes each event type to its own time column and finished only for terminal ones', () => {
    for (const t of types) {
      const task = emptyTask('u', 5);
      applyTaskEvent(task, ev(t, 7));
      const tf = TIME_FIELD[t];
      for (const col of Object.values(TIME_FIELD)) expect([t, col, (task as unknown as Record<string, unknown>)[col]]).toEqual([t, col, col === tf ? 7 : null]);
      expect([t, task.finished]).toEqual([t, isTerminalEvent(t) ? 7 : null]);
      expect([t, task.state]).toEqual([t, stateOfEvent(t)]);
    }
  });
});
