import { describe, expect, it } from 'vitest';
import { LiveState } from '../../state/live.js';
import type { CeleryEvent } from '../../state/types.js';
import { taskQueryFromParams } from '../v1.routes.js';
import { LiveHub, type LiveSink } from './hub.js';
import { compileTaskFilter } from './matcher.js';

class Sink implements LiveSink {
  messages: any[] = [];
  raw: string[] = [];
  bufferedAmount = 0;
  sent: Buffer[] = [];
  send(data: Buffer, options: { binary: boolean }) {
    expect(options.binary).toBe(false);
    this.sent.push(data);
    const text = data.toString('utf8');
    this.raw.push(text);
    this.messages.push(JSON.parse(text));
  }
}

const ev = (type: string, uuid: string, over: Partial<CeleryEvent> = {}): CeleryEvent => ({ type, uuid, hostname: 'w1@h', timestamp: 100, clock: 1, ...over });
const filter = (p: Record<string, string>) => compileTaskFilter(taskQueryFromParams(p));

describe('LiveHub', () => {
  it('coalesces many events of one task into one row per tick, filtered per client', () => {
    const state = new LiveState({ finishedCacheSize: 100 });
    const hub = new LiveHub(state, { intervalMs: 60_000 });
    hub.start();
    const all = new Sink();
    const failed = new Sink();
    hub.addClient(all).subscribe('tasks', filter({}));
    hub.addClient(failed).subscribe('tasks', filter({ state: 'FAILURE' }));
    state.apply(ev('task-received', 'a', { name: 'x.y', args: '[1]' }));
    state.apply(ev('task-started', 'a', { timestamp: 101 }));
    state.apply(ev('task-succeeded', 'a', { timestamp: 102, runtime: 1 }));
    state.apply(ev('task-received', 'b', { name: 'x.z' }));
    state.apply(ev('task-failed', 'b', { timestamp: 103, exception: "ValueError('no')" }));
    hub.tick();
    expect(all.messages).toHaveLength(1);
    const m = all.messages[0];
    expect(m.type).toBe('update');
    expect(m.seq).toBe(1);
    expect(m.subs.tasks.map((t: any) => [t.uuid, t.state])).toEqual([['a', 'SUCCESS'], ['b', 'FAILURE']]);
    // task events touch their worker silently (no worker listener call), so no worker list
    expect(m.workers).toBeUndefined();
    expect(failed.messages[0].subs.tasks.map((t: any) => t.uuid)).toEqual(['b']);
    // Nothing changed: no message, and the sequence does not move.
    hub.tick();
    expect(all.messages).toHaveLength(1);
    expect(hub.seq).toBe(1);
    hub.stop();
  });

  it('serialises each changed task once and reuses the text for every client', () => {
    const state = new LiveState({ finishedCacheSize: 100 });
    const hub = new LiveHub(state, { intervalMs: 60_000 });
    hub.start();
    const sinks = Array.from({ length: 5 }, () => new Sink());
    for (const s of sinks) hub.addClient(s).subscribe('t', filter({}));
    state.apply(ev('task-received', 'a', { name: 'n', args: '["<script>"]' }));
    const stringify = JSON.stringify;
    let calls = 0;
    JSON.stringify = ((...a: Parameters<typeof stringify>) => {
      calls++;
      return stringify(...a);
    }) as typeof JSON.stringify;
    try {
      hub.tick();
    } finally {
      JSON.stringify = stringify;
    }
    // one for the task row, one per subscription id (5)
    expect(calls).toBe(6);
    const first = sinks[0]!.raw[0]!;
    for (const s of sinks) expect(s.raw[0]).toBe(first);
    hub.stop();
  });

  it('builds one message per distinct view and sends that same buffer to every socket with it', () => {
    const state = new LiveState({ finishedCacheSize: 100 });
    const hub = new LiveHub(state, { intervalMs: 60_000 });
    hub.start();
    const same = Array.from({ length: 4 }, () => new Sink());
    for (const s of same) hub.addClient(s).subscribe('t', filter({}), false, 'all');
    const failedOnly = new Sink();
    hub.addClient(failedOnly).subscribe('t', filter({ state: 'FAILURE' }), false, 'failed');
    // same filter text, another subscription id: its own message
    const otherId = new Sink();
    hub.addClient(otherId).subscribe('u', filter({}), false, 'all');
    // same id and filter, but full views: its own message
    const full = new Sink();
    hub.addClient(full).subscribe('t', filter({}), true, 'all');
    // same view but workers off: its own message
    const noWorkers = new Sink();
    const nw = hub.addClient(noWorkers);
    nw.subscribe('t', filter({}), false, 'all');
    nw.workers = false;
    state.apply(ev('task-received', 'a', { name: 'n' }));
    state.apply(ev('task-failed', 'b', { name: 'n', exception: 'E()' }));
    state.apply({ type: 'worker-online', hostname: 'w1@h', timestamp: 100, clock: 2, freq: 2 } as CeleryEvent);
    hub.tick();
    const buf = same[0]!.sent[0]!;
    for (const s of same) expect(s.sent[0]).toBe(buf);
    expect(same[0]!.messages[0].subs.t.map((t: any) => t.uuid)).toEqual(['a', 'b']);
    expect(same[0]!.messages[0].workers).toHaveLength(1);
    expect(failedOnly.messages[0].subs.t.map((t: any) => t.uuid)).toEqual(['b']);
    expect(otherId.messages[0].subs.u.map((t: any) => t.uuid)).toEqual(['a', 'b']);
    expect(full.messages[0].subs.t[0].uuid).toBe('a');
    expect(full.sent[0]).not.toBe(buf);
    expect(full.raw[0]).not.toBe(same[0]!.raw[0]);
    expect(noWorkers.messages[0].workers).toBeUndefined();
    expect(noWorkers.sent[0]).not.toBe(buf);
    // an id that spells out another client's two subscriptions is still a view of its own
    const a = new Sink();
    const ca = hub.addClient(a);
    ca.subscribe('x', filter({}), false, 'k1');
    ca.subscribe('y', filter({ state: 'FAILURE' }), false, 'k2');
    const b = new Sink();
    hub.addClient(b).subscribe('x\u0000k1\u0000y', filter({}), false, 'k2');
    state.apply(ev('task-started', 'b', { timestamp: 104 }));
    hub.tick();
    expect(b.sent[0]).not.toBe(a.sent[0]);
    expect(Object.keys(b.messages[0].subs)).toEqual(['x\u0000k1\u0000y']);
    // a client that missed an update gets `resync` and so its own message; the others do not
    for (const s of same) s.sent.length = s.messages.length = 0;
    const missed = [...(hub as unknown as { clients: Set<{ sink: Sink; missed: boolean }> }).clients].find((c) => c.sink === same[1])!;
    missed.missed = true;
    state.apply(ev('task-started', 'a', { timestamp: 101 }));
    hub.tick();
    expect(same[1]!.messages[0].resync).toBe(true);
    expect(same[0]!.messages[0].resync).toBeUndefined();
    expect(same[0]!.sent[0]).toBe(same[2]!.sent[0]);
    expect(same[1]!.sent[0]).not.toBe(same[0]!.sent[0]);
    hub.stop();
  });

  it('caps tasks per message keeping the newest and says how many were left out', () => {
    const state = new LiveState({ finishedCacheSize: 100 });
    const hub = new LiveHub(state, { intervalMs: 60_000, maxTasksPerMessage: 10 });
    hub.start();
    const s = new Sink();
    hub.addClient(s).subscribe('tasks', filter({}));
    for (let i = 0; i < 25; i++) state.apply(ev('task-received', `t${i}`, { name: 'n' }));
    hub.tick();
    const m = s.messages[0];
    expect(m.subs.tasks).toHaveLength(10);
    expect(m.subs.tasks[9].uuid).toBe('t24');
    expect(m.truncated).toEqual({ tasks: 15 });
    hub.stop();
  });

  it('skips a client whose socket is backed up and tells it to resync', () => {
    const state = new LiveState({ finishedCacheSize: 100 });
    const hub = new LiveHub(state, { intervalMs: 60_000, maxBufferedBytes: 1000 });
    hub.start();
    const slow = new Sink();
    hub.addClient(slow).subscribe('tasks', filter({}));
    slow.bufferedAmount = 5000;
    state.apply(ev('task-received', 'a', { name: 'n' }));
    hub.tick();
    expect(slow.messages).toHaveLength(0);
    slow.bufferedAmount = 0;
    state.apply(ev('task-received', 'b', { name: 'n' }));
    hub.tick();
    expect(slow.messages[0].resync).toBe(true);
    expect(slow.messages[0].subs.tasks.map((t: any) => t.uuid)).toEqual(['b']);
    expect(hub.counters.skipped).toBe(1);
    hub.stop();
  });

  it('records nothing while no client is connected', () => {
    const state = new LiveState({ finishedCacheSize: 100 });
    const hub = new LiveHub(state, { intervalMs: 60_000 });
    hub.start();
    state.apply(ev('task-received', 'a', { name: 'n' }));
    hub.tick();
    // nobody was told, but the sequence moved: a client resuming from seq 0 must refetch
    expect(hub.seq).toBe(1);
    hub.tick();
    expect(hub.seq).toBe(1);
    const s = new Sink();
    hub.addClient(s).subscribe('d', filter({ q: 'uuid:a' }), true);
    state.apply(ev('task-started', 'a', { timestamp: 101, traceback: null }));
    state.apply(ev('task-received', 'other', { name: 'n' }));
    hub.tick();
    expect(s.messages[0].subs.d).toHaveLength(1);
    expect(s.messages[0].subs.d[0].state).toBe('STARTED');
    expect(s.messages[0].subs.d[0]).not.toHaveProperty('partial');
    hub.stop();
  });

  it('sends a new subscription the matching tasks of the live model that changed lately', () => {
    const now = 1000;
    const state = new LiveState({ finishedCacheSize: 100 });
    const hub = new LiveHub(state, { intervalMs: 60_000, maxTasksPerMessage: 2 });
    hub.start();
    // changed while no socket was open (a page load): not recorded by the hub
    state.apply(ev('task-received', 'old', { timestamp: now - 60 }));
    state.apply(ev('task-received', 'a', { timestamp: now - 3 }));
    state.apply(ev('task-succeeded', 'a', { timestamp: now - 2 }));
    state.apply(ev('task-received', 'b', { timestamp: now - 1 }));
    state.apply(ev('task-received', 'c', { timestamp: now - 0.5 }));
    state.apply(ev('task-failed', 'f', { timestamp: now - 1 }));
    const all = new Sink();
    const client = hub.addClient(all);
    client.subscribe('tasks', filter({ state: 'SUCCESS,RECEIVED' }), false);
    hub.catchUp(client, 'tasks', now);
    expect(all.messages).toHaveLength(1);
    // the newest two (maxTasksPerMessage) of a, b, c; not the old one nor the failure
    expect(all.messages[0]).toMatchObject({ type: 'update', seq: 0 });
    expect(all.messages[0].subs.tasks.map((t: any) => [t.uuid, t.state])).toEqual([['b', 'RECEIVED'], ['c', 'RECEIVED']]);
    const detail = new Sink();
    const d = hub.addClient(detail);
    d.subscribe('task:a', filter({ q: 'uuid:"a"' }), true);
    hub.catchUp(d, 'task:a', now);
    // a full subscription (task detail) gets the full view, not the list's row
    expect(detail.messages[0].subs['task:a'].map((t: any) => [t.uuid, t.state, 'partial' in t])).toEqual([['a', 'SUCCESS', false]]);
    expect(all.messages[0].subs.tasks[0].partial).toBe(true);
    // nothing lately: no message
    const quiet = new Sink();
    const q = hub.addClient(quiet);
    q.subscribe('tasks', filter({}), false);
    hub.catchUp(q, 'tasks', now + 3600);
    expect(quiet.messages).toHaveLength(0);
    hub.stop();
  });
});
