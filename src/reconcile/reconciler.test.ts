import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HealthChecker } from '../state/health-checker.js';
import { LiveState } from '../state/live.js';
import { StaleRules } from '../state/stale.js';
import type { CeleryEvent } from '../state/types.js';
import { Reconciler } from './reconciler.js';
import type { TaskMeta } from './result-backend.js';
import type { WorkerHeldTasks } from './task-source.js';

const log = pino({ level: 'silent' });

function world(opts: { held?: WorkerHeldTasks | null; metas?: Record<string, TaskMeta>; noSource?: boolean } = {}) {
  const now = 1000;
  const state = new LiveState({ finishedCacheSize: 100, now: () => now });
  const derived: CeleryEvent[] = [];
  state.subscribe({ derived: (ev) => derived.push(ev) });
  const health = new HealthChecker(state, { policy: { lostAfter: 3, purgeAfter: 0 }, stale: new StaleRules({ startedAfter: 0, receivedAfter: 0, overrides: [] }), now: () => now });
  const ev = (type: string, uuid: string, hostname = 'w1@h'): CeleryEvent => ({ type, uuid, hostname, timestamp: 990, clock: 1 });
  state.apply({ type: 'worker-online', hostname: 'w1@h', timestamp: 990, freq: 2, active: 0, processed: 0 });
  const reconciler = new Reconciler({
    state,
    health,
    tasks: opts.noSource ? null : { inflightOnWorkers: async () => (opts.held === undefined ? { active: [], reserved: [], scheduled: [], workers: ['w1@h'] } : opts.held) },
    results: opts.metas ? { getMany: async (ids) => new Map(ids.filter((id) => opts.metas![id]).map((id) => [id, opts.metas![id]!])) } : null,
    log,
    now: () => now,
  });
  return { state, derived, reconciler, ev };
}

describe('Reconciler', () => {
  it('takes final states from the result backend, keeps what workers hold, marks the rest unknown', async () => {
    const w = world({
      held: { active: ['running'], reserved: ['reserved'], scheduled: ['eta'], workers: ['w1@h'] },
      metas: { done: { status: 'SUCCESS', result: 4, date_done: '2026-11-22T04:30:00' }, broken: { status: 'FAILURE', result: { exc_type: 'KeyError', exc_message: ['k'] } } },
    });
    for (const id of ['done', 'broken', 'running', 'gone']) w.state.apply(w.ev('task-started', id));
    for (const id of ['reserved', 'eta']) w.state.apply(w.ev('task-received', id));
    w.state.apply({ ...w.ev('task-sent', 'queued'), hostname: 'client@h' });
    const r = await w.reconciler.run('test');
    expect(r).toMatchObject({ fromBackend: 2, stillHeld: 3, unknown: 1, workersAsked: true });
    expect(w.derived.map((e) => [e.uuid, e.type, e.derived])).toEqual([
      ['done', 'task-succeeded', 'result-backend'],
      ['broken', 'task-failed', 'result-backend'],
      ['gone', 'task-orphaned', 'unknown-after-gap'],
    ]);
    expect(w.state.inflight.has('queued')).toBe(true); // PENDING: still in the queue, not judged
    expect([...w.state.inflight.keys()].sort()).toEqual(['eta', 'queued', 'reserved', 'running']);
  });

  it('without a task source, leaves tasks of a live worker alone', async () => {
    const w = world({ noSource: true });
    w.state.apply(w.ev('task-started', 'a'));
    expect(await w.reconciler.run('test')).toMatchObject({ unknown: 0, workersAsked: false });
    expect(w.state.inflight.get('a')!.state).toBe('STARTED');
  });

  it('a worker that did not answer keeps its tasks (the lost check decides), an unknown worker does not', async () => {
    const w = world({ held: { active: [], reserved: [], scheduled: [], workers: [] } });
    w.state.apply(w.ev('task-started', 'mine'));
    w.state.apply(w.ev('task-started', 'stranger', 'w9@h'));
    w.state.workers.delete('w9@h');
    const r = await w.reconciler.run('test');
    expect(r.unknown).toBe(1);
    expect(w.state.inflight.get('mine')!.state).toBe('STARTED');
    expect(w.state.inflight.has('stranger')).toBe(false);
  });
});
