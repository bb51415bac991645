import { describe, expect, it } from 'vitest';
import { HealthChecker } from './health-checker.js';
import { LiveState } from './live.js';
import { StaleRules } from './stale.js';
import type { CeleryEvent } from './types.js';
import { DEFAULT_HEALTH_POLICY, isLost, isPurgeable, lostThreshold, viewStatus } from './worker-health.js';

/** A live model and checker on a hand-driven clock. */
function setup(opts: { lostAfter?: number; purgeAfter?: number; startedAfter?: number } = {}) {
  let now = 1000;
  const state = new LiveState({ finishedCacheSize: 100, now: () => now });
  const derived: CeleryEvent[] = [];
  const workerEvents: CeleryEvent[] = [];
  const removed: string[] = [];
  state.subscribe({ derived: (ev) => derived.push(ev), worker: (_w, ev) => workerEvents.push(ev), workerRemoved: (w) => removed.push(w.hostname) });
  const checker = new HealthChecker(state, {
    policy: { lostAfter: opts.lostAfter ?? 3, purgeAfter: opts.purgeAfter ?? 3600 },
    stale: new StaleRules({ startedAfter: opts.startedAfter ?? 3600, receivedAfter: 0, overrides: [{ pattern: 'tasks.slow', startedAfter: 60 }] }),
    now: () => now,
  });
  checker.listeningFrom(now);
  const ev = (type: string, extra: Partial<CeleryEvent> = {}): CeleryEvent => ({ type, hostname: 'w1@h', timestamp: now, clock: 1, ...extra });
  return {
    state, checker, derived, workerEvents, removed, ev,
    get now() {
      return now;
    },
    advance(s: number) {
      now += s;
    },
  };
}

describe('worker status rules', () => {
  const policy = DEFAULT_HEALTH_POLICY;
  const w = { status: 'online' as const, freq: 2, last_heartbeat: 100, active: 0, offline_at: null };

  it('lost only after lostAfter × freq of silence', () => {
    expect(lostThreshold(w, policy)).toBe(6);
    expect(isLost(w, 106, policy)).toBe(false);
    expect(isLost(w, 106.5, policy)).toBe(true);
    expect(viewStatus(w, 106.5, policy)).toBe('lost');
  });

  it('a 10 s worker is not lost between two heartbeats, nor after one late one', () => {
    const slow = { ...w, freq: 10 };
    expect(isLost(slow, 100 + 21, policy)).toBe(false);
    expect(isLost(slow, 100 + 29, policy)).toBe(false);
    expect(isLost(slow, 100 + 31, policy)).toBe(true);
  });

  it('assumes a long period until the worker told its own freq', () => {
    expect(lostThreshold(w, policy, false)).toBe(30);
    expect(isLost(w, 120, policy, { freqKnown: false })).toBe(false);
  });

  it('counts silence from when Celeriac started listening', () => {
    expect(isLost(w, 1000, policy, { listeningSince: 998 })).toBe(false);
    expect(isLost(w, 1000, policy, { listeningSince: 990 })).toBe(true);
    expect(isLost(w, 1000, policy, { listeningSince: Number.POSITIVE_INFINITY })).toBe(false);
  });

  it('idle when online with nothing running; offline stays offline', () => {
    expect(viewStatus(w, 101, policy)).toBe('idle');
    expect(viewStatus({ ...w, active: 1 }, 101, policy)).toBe('online');
    expect(viewStatus(w, 101, policy, { running: 2 })).toBe('online');
    expect(viewStatus({ ...w, status: 'offline' }, 101, policy)).toBe('offline');
  });

  it('purges offline/lost workers after purgeAfter, never with 0', () => {
    const gone = { ...w, status: 'offline' as const, offline_at: 100 };
    expect(isPurgeable(gone, 'offline', 100 + 3599, policy)).toBe(false);
    expect(isPurgeable(gone, 'offline', 100 + 3601, policy)).toBe(true);
    expect(isPurgeable(gone, 'offline', 100 + 99999, { ...policy, purgeAfter: 0 })).toBe(false);
    expect(isPurgeable(w, 'idle', 100 + 99999, policy)).toBe(false);
  });
});

describe('HealthChecker', () => {
  it('marks a silent worker lost and orphans its unfinished tasks, not its finished ones', () => {
    const t = setup();
    t.state.apply(t.ev('worker-online', { freq: 2, active: 0, processed: 0 }));
    t.state.apply(t.ev('task-received', { uuid: 'a', name: 'tasks.slow' }));
    t.state.apply(t.ev('task-started', { uuid: 'a' }));
    t.state.apply(t.ev('task-received', { uuid: 'b', name: 'tasks.add' }));
    t.state.apply(t.ev('task-received', { uuid: 'c', name: 'tasks.add' }));
    t.state.apply(t.ev('task-succeeded', { uuid: 'c', result: '1' }));
    t.state.apply({ ...t.ev('task-sent', { uuid: 'p', name: 'tasks.add' }), hostname: 'client@h' });
    t.advance(6);
    expect(t.checker.tick(t.now).lost).toEqual([]);
    t.advance(0.5);
    const s = t.checker.tick(t.now);
    expect(s.lost).toEqual(['w1@h']);
    expect(s.orphaned.map((o) => [o.task.uuid, o.reason]).sort()).toEqual([['a', 'worker-lost'], ['b', 'worker-lost']]);
    expect(t.state.workers.get('w1@h')!.status).toBe('lost');
    expect(t.workerEvents.at(-1)!.type).toBe('worker-lost');
    expect(t.derived.map((e) => [e.type, e.uuid, e.derived])).toEqual([
      ['task-orphaned', 'a', 'worker-lost'],
      ['task-orphaned', 'b', 'worker-lost'],
    ]);
    expect(t.state.inflight.has('a')).toBe(false);
    expect(t.state.inflight.has('p')).toBe(true); // PENDING: still in the broker queue, nobody held it
    expect(s.workers.lost).toBe(1);
    // a second tick does nothing more
    expect(t.checker.tick(t.now).orphaned).toEqual([]);
  });

  it('after worker-offline: unstarted tasks orphaned after a short grace, running ones only if they never finish', () => {
    const t = setup();
    t.state.apply(t.ev('worker-online', { freq: 2, active: 0, processed: 0 }));
    t.state.apply(t.ev('task-started', { uuid: 'a' }));
    t.state.apply(t.ev('task-started', { uuid: 'b' }));
    t.state.apply(t.ev('task-received', { uuid: 'r' }));
    t.state.apply(t.ev('worker-offline', { freq: 2, active: 0, processed: 2 }));
    expect(t.checker.tick(t.now).orphaned).toEqual([]);
    t.advance(2.5);
    // warm shutdown: reserved tasks go back to the broker, running ones are still finishing
    expect(t.checker.tick(t.now).orphaned.map((o) => [o.task.uuid, o.reason])).toEqual([['r', 'worker-offline']]);
    t.advance(5);
    const done = t.state.apply(t.ev('task-succeeded', { uuid: 'a', timestamp: t.now }))!;
    expect(done.state).toBe('SUCCESS');
    expect(done.orphaned_at).toBeNull();
    expect(t.state.workers.get('w1@h')!.status).toBe('offline'); // finishing work is not coming back
    expect(t.checker.tick(t.now).orphaned).toEqual([]);
    t.advance(60);
    const s = t.checker.tick(t.now);
    expect(s.orphaned.map((o) => [o.task.uuid, o.reason])).toEqual([['b', 'worker-offline']]);
    expect(s.workers.offline).toBe(1);
    // a restarted worker with the same name is online again
    t.state.apply(t.ev('worker-online', { freq: 2, active: 0, processed: 0, timestamp: t.now }));
    expect(t.checker.tick(t.now).workers.idle).toBe(1);
  });

  it('a task orphaned then redelivered takes its real final state', () => {
    const t = setup();
    t.state.apply(t.ev('worker-online', { freq: 2, active: 0, processed: 0 }));
    t.state.apply(t.ev('task-started', { uuid: 'a' }));
    t.advance(10);
    t.checker.tick(t.now);
    t.advance(1);
    const task = t.state.apply({ ...t.ev('task-succeeded', { uuid: 'a', result: '2' }), hostname: 'w2@h' })!;
    expect(task.state).toBe('SUCCESS');
    expect(task.orphan_reason).toBe('worker-lost');
    expect(task.worker).toBe('w2@h');
  });

  it('does not declare anyone lost while not listening, and gives a grace after reconnecting', () => {
    const t = setup();
    t.state.apply(t.ev('worker-online', { freq: 2, active: 0, processed: 0 }));
    t.checker.notListening();
    t.advance(100);
    expect(t.checker.tick(t.now).lost).toEqual([]);
    t.checker.listeningFrom(t.now);
    t.advance(5);
    expect(t.checker.tick(t.now).lost).toEqual([]);
    t.advance(2);
    expect(t.checker.tick(t.now).lost).toEqual(['w1@h']);
  });

  it('a worker seen first through the heartbeat kick (freq 5) is not lost before its own heartbeat', () => {
    const t = setup();
    t.state.apply(t.ev('worker-heartbeat', { freq: 5 })); // kick reply: no active/processed
    t.advance(25);
    expect(t.checker.tick(t.now).lost).toEqual([]);
    t.state.apply(t.ev('worker-heartbeat', { freq: 10, active: 0, processed: 0 }));
    t.advance(29);
    expect(t.checker.tick(t.now).lost).toEqual([]);
    t.advance(2);
    expect(t.checker.tick(t.now).lost).toEqual(['w1@h']);
  });

  it('a lost worker that speaks again is online again', () => {
    const t = setup();
    t.state.apply(t.ev('worker-online', { freq: 2, active: 0, processed: 0 }));
    t.advance(7);
    t.checker.tick(t.now);
    t.state.apply(t.ev('worker-heartbeat', { freq: 2, active: 1, processed: 3 }));
    const s = t.checker.tick(t.now);
    expect(s.workers).toEqual({ online: 1, idle: 0, offline: 0, lost: 0 });
  });

  it('purges long-gone workers from the live model only', () => {
    const t = setup({ purgeAfter: 60 });
    t.state.apply(t.ev('worker-online', { freq: 2, active: 0, processed: 0 }));
    t.state.apply(t.ev('worker-offline', { freq: 2 }));
    t.advance(59);
    expect(t.checker.tick(t.now).purged).toEqual([]);
    t.advance(2);
    expect(t.checker.tick(t.now).purged).toEqual(['w1@h']);
    expect(t.removed).toEqual(['w1@h']);
    expect(t.state.workers.size).toBe(0);
  });

  it('counts stale tasks with per-name limits', () => {
    const t = setup({ startedAfter: 3600 });
    t.state.apply(t.ev('worker-online', { freq: 2, active: 0, processed: 0 }));
    t.state.apply(t.ev('task-received', { uuid: 's', name: 'tasks.slow' }));
    t.state.apply(t.ev('task-started', { uuid: 's' }));
    t.state.apply(t.ev('task-received', { uuid: 'o', name: 'tasks.other' }));
    t.state.apply(t.ev('task-started', { uuid: 'o' }));
    for (let i = 0; i < 31; i++) {
      t.advance(2);
      t.state.apply(t.ev('worker-heartbeat', { freq: 2, active: 2, processed: 0 }));
    }
    expect(t.checker.tick(t.now).stale).toEqual({ received: 0, started: 1 });
  });

  it('orphans unfinished tasks of workers the store remembers as gone', () => {
    let now = 5000;
    const state = new LiveState({ finishedCacheSize: 10, now: () => now });
    state.seedWorkers([{
      hostname: 'old@h', status: 'offline', freq: 2, pid: 1, clock: 1, active: 0, processed: 0, loadavg: null, sw_ident: null,
      sw_ver: null, sw_sys: null, last_heartbeat: 100, last_event: 100, online_at: 50, offline_at: 100, first_seen: 50,
    }]);
    state.apply({ type: 'task-started', uuid: 'x', hostname: 'old@h', timestamp: 90 });
    const checker = new HealthChecker(state, { policy: { lostAfter: 3, purgeAfter: 3600 }, stale: new StaleRules({ startedAfter: 0, receivedAfter: 0, overrides: [] }), now: () => now });
    checker.listeningFrom(now);
    const s = checker.tick(now);
    expect(s.orphaned.map((o) => o.task.uuid)).toEqual(['x']);
    expect(s.purged).toEqual(['old@h']);
    now += 1;
  });
});
