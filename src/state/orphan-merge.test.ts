import { describe, expect, it } from 'vitest';
import { applyTaskEvent, emptyTask, replacesState } from './merge.js';
import type { CeleryEvent } from './types.js';

const ev = (type: string, timestamp: number, extra: Partial<CeleryEvent> = {}): CeleryEvent => ({
  type, uuid: 't1', hostname: 'w1@h', timestamp, clock: timestamp, ...extra,
});
const orphaned = (ts: number) => ev('task-orphaned', ts, { derived: 'worker-lost', hostname: 'w1@h' });

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

function fold(events: CeleryEvent[]) {
  const t = emptyTask('t1', events[0]!.timestamp);
  for (const e of events) applyTaskEvent(t, e);
  return t;
}

describe('ORPHANED in the order-independent merge', () => {
  it('ranks below every real terminal state', () => {
    for (const s of ['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']) {
      expect(replacesState('ORPHANED', 100, s, 1)).toBe(false);
      expect(replacesState(s, 1, 'ORPHANED', 100)).toBe(true);
    }
  });

  it('replaces unfinished states set earlier, and a later real event replaces it', () => {
    for (const s of ['PENDING', 'RECEIVED', 'STARTED', 'RETRY', 'PROGRESS']) {
      expect(replacesState('ORPHANED', 10, s, 5)).toBe(true);
      expect(replacesState('ORPHANED', 4, s, 5)).toBe(false);
      expect(replacesState(s, 11, 'ORPHANED', 10)).toBe(true);
      expect(replacesState(s, 9, 'ORPHANED', 10)).toBe(false);
    }
  });

  const cases: [string, CeleryEvent[], string][] = [
    ['orphaned while running, finished later on redelivery', [ev('task-received', 1), ev('task-started', 2), orphaned(5), ev('task-started', 8, { hostname: 'w2@h' }), ev('task-succeeded', 9, { hostname: 'w2@h' })], 'SUCCESS'],
    ['orphaned after it had already finished (late goodbye)', [ev('task-started', 2), ev('task-failed', 3), orphaned(5)], 'FAILURE'],
    ['orphaned and never heard of again', [ev('task-sent', 0), ev('task-received', 1), ev('task-started', 2), orphaned(5)], 'ORPHANED'],
    ['redelivered and running again after the orphaning', [ev('task-started', 2), orphaned(5), ev('task-received', 6, { hostname: 'w2@h' }), ev('task-started', 7, { hostname: 'w2@h' })], 'STARTED'],
  ];
  for (const [what, events, final] of cases) {
    it(`${what}: ${final} in every arrival order`, () => {
      for (const p of permutations(events)) {
        const t = fold(p);
        expect(t.state, p.map((e) => e.type).join(' > ')).toBe(final);
        expect(t.orphaned_at).toBe(5);
        expect(t.orphan_reason).toBe('worker-lost');
      }
    });
  }

  it('a derived event never changes the worker', () => {
    const t = fold([ev('task-started', 2), orphaned(5), ev('task-succeeded', 6, { derived: 'result-backend', hostname: 'celeriac' })]);
    expect(t.worker).toBe('w1@h');
    expect(t.state).toBe('SUCCESS');
  });
});
