import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logRange } from '../../src/store/sqlite/event-log.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { multi, single, taskLife } from '../fixtures/task-events.js';

/**
 * The SQLite event log (migrations/sqlite/0080_event_log.sql): one row per task per batch
 * holding the events as they arrived. What the store contract does not reach: the texts kept
 * as they came (alone, or sliced out of a task.multi array), long fields cut, and a store
 * upgraded from the one-row-per-event table (task_events), whose rows still count for
 * duplicates, the timeline and retention.
 */
const dir = mkdtempSync(join(tmpdir(), 'celeriac-evlog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOW = Math.floor(Date.now() / 1000);
/** An event as Python's json.dumps writes it (as Celery sends it): a space after ':' and ','. */
const py = (ev: object) => JSON.stringify(ev).replace(/":/g, '": ').replace(/,"/g, ', "');

function open(name: string, maxFieldBytes = 65536) {
  return new SqliteStore({ path: join(dir, name), maxEventBytes: 1 << 20, maxFieldBytes, retention: { successDays: 1, failureDays: 0, maxTasksPerState: 0, intervalSeconds: 3600 } });
}

describe('SQLite event log', () => {
  it('stores each event as the text it arrived in, one row per task per batch', async () => {
    const store = open('texts.db');
    await store.open();
    const [sent, received, started, succeeded] = taskLife({ uuid: 'el-1', at: NOW - 50, args: "('é ✓', [1, 2])" });
    // task-sent alone; the worker's in task.multi arrays (Python's spacing, so a text rebuilt
    // by JSON.stringify would differ), one with another task's event and malformed elements,
    // which must not shift the slices.
    const other = taskLife({ uuid: 'el-2', at: NOW - 40 })[1]!;
    await store.write({ payloads: [py(sent!), `[${py(received!)}, {"type": 42}, ${py(other)}, 7,\n ${py(started!)}]`], workers: [] });
    await store.write({ payloads: [`[${py(succeeded!)}]`], workers: [] });
    const db = new Database(join(dir, 'texts.db'), { readonly: true });
    const id = db.prepare('SELECT id FROM tasks WHERE uuid = ?').pluck().get('el-1') as number;
    const rows = db.prepare('SELECT key - ? AS seq, events FROM task_event_log WHERE key >= ? AND key < ? ORDER BY key').all(...[id * 2 ** 20, ...logRange(id)]) as { seq: number; events: string }[];
    db.close();
    expect(rows.map((r) => r.seq)).toEqual([0, 1]);
    expect(rows[0]!.events).toBe(`[${py(sent!)},${py(received!)},${py(started!)}]`);
    expect(rows[1]!.events).toBe(`[${py(succeeded!)}]`);
    const timeline = await store.getTaskEvents('el-1');
    expect(timeline.map((e) => e.type)).toEqual(['task-sent', 'task-received', 'task-started', 'task-succeeded']);
    expect(timeline[1]!.data).toMatchObject({ args: "('é ✓', [1, 2])", name: 'tasks.add' });
    expect(timeline[1]!.data).not.toHaveProperty('uuid');
    expect(timeline[1]!.data).not.toHaveProperty('pid');
    expect((await store.counts()).events).toBe(5);
    await store.close();
  });

  it('stores each event of a task once when one batch brings it many events and duplicates', async () => {
    const store = open('many.db');
    await store.open();
    // 40 distinct events of one task (a retry loop), each delivered twice in the same batch.
    const evs = Array.from({ length: 40 }, (_, i) => taskLife({ uuid: 'el-many', at: NOW - 500 + i, outcome: 'retry-then-success' })[i % 4 === 3 ? 4 : i % 4]!)
      .map((e, i) => ({ ...e, timestamp: NOW - 500 + i, clock: 5000 + i }));
    const r1 = await store.write({ payloads: [...evs, ...evs].map((e) => single(e)), workers: [] });
    expect(r1).toEqual({ inserted: 40, duplicates: 40 });
    // ... and all of them again, with one new one, in a later batch
    const more = { ...evs[0]!, timestamp: NOW - 1, clock: 9999 };
    const r2 = await store.write({ payloads: [multi([...evs, more])], workers: [] });
    expect(r2).toEqual({ inserted: 1, duplicates: 40 });
    expect((await store.getTaskEvents('el-many')).length).toBe(41);
    expect((await store.counts()).events).toBe(41);
    await store.close();
  });

  it('appends to the last row of a task that has used up its 2^20 log rows', async () => {
    const path = join(dir, 'full.db');
    const store = open('full.db');
    await store.open();
    const [sent, received, started, succeeded] = taskLife({ uuid: 'el-full', at: NOW - 90 });
    await store.write({ payloads: [single(sent!)], workers: [] });
    // As if the task had written 2^20 batches: its last possible row holds an event.
    const db = new Database(path);
    const [from, to] = logRange(db.prepare('SELECT id FROM tasks WHERE uuid = ?').pluck().get('el-full') as number);
    db.prepare('INSERT INTO task_event_log (key, events) VALUES (?, ?)').run(to - 1, `[${single(received!)}]`);
    db.close();
    expect((await store.write({ payloads: [single(started!)], workers: [] })).inserted).toBe(1);
    expect((await store.write({ payloads: [multi([succeeded!, received!])], workers: [] }))).toEqual({ inserted: 1, duplicates: 1 });
    expect((await store.getTaskEvents('el-full')).map((e) => e.type)).toEqual(['task-sent', 'task-received', 'task-started', 'task-succeeded']);
    await store.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT key - ? FROM task_event_log WHERE key >= ? AND key < ? ORDER BY key').pluck().all(from, from, to)).toEqual([0, 2 ** 20 - 1]);
    check.close();
  });

  it('after a restart (a writer that has not seen the task), drops what is stored and merges the rest', async () => {
    const [sent, received, started, succeeded] = taskLife({ uuid: 'el-again', at: NOW - 80, outcome: 'success' });
    const first = open('again.db');
    await first.open();
    await first.write({ payloads: [single(sent!), single(received!)], workers: [] });
    await first.close();
    const second = open('again.db');
    await second.open();
    // Redelivered (RabbitMQ after a restart) with what happened since.
    expect(await second.write({ payloads: [multi([received!, started!]), single(sent!), single(succeeded!)], workers: [] })).toEqual({ inserted: 2, duplicates: 2 });
    expect((await second.getTaskEvents('el-again')).map((e) => e.type)).toEqual(['task-sent', 'task-received', 'task-started', 'task-succeeded']);
    expect(await second.counts()).toMatchObject({ tasks: 1, events: 4, byState: { SUCCESS: 1 } });
    // the events kept were folded again from their stored texts (batch.ts dropStored)
    expect(await second.getTask('el-again')).toMatchObject({ state: 'SUCCESS', result: succeeded!.result, runtime: succeeded!.runtime, started: started!.timestamp });
    // Everything again: nothing new.
    expect(await second.write({ payloads: [multi([sent!, received!, started!, succeeded!])], workers: [] })).toEqual({ inserted: 0, duplicates: 4 });
    await second.close();
  });

  it('cuts fields over --max-field-bytes in the stored event', async () => {
    const store = open('cut.db', 256);
    await store.open();
    const evs = taskLife({ uuid: 'el-cut', at: NOW - 30, outcome: 'failure', args: `('${'a'.repeat(1000)}',)` });
    await store.write({ payloads: [multi(evs)], workers: [] });
    const timeline = await store.getTaskEvents('el-cut');
    expect(timeline).toHaveLength(4);
    expect(String(timeline[0]!.data.args)).toHaveLength(257);
    expect(String(timeline[0]!.data.args).endsWith('…')).toBe(true);
    expect(timeline[0]!.data.kwargs).toBe('{}');
    await store.close();
  });

  it('upgrades: events stored one per row by an older version still deduplicate, show and expire', async () => {
    const path = join(dir, 'upgrade.db');
    const store = open('upgrade.db');
    await store.open();
    // The task as an older version left it: its row, and its first two events in task_events.
    const old = taskLife({ uuid: 'el-old', at: NOW - 3 * 86400 });
    await store.write({ payloads: [single(old[0]!)], workers: [] });
    const db = new Database(path);
    const id = db.prepare('SELECT id FROM tasks WHERE uuid = ?').pluck().get('el-old') as number;
    db.prepare('DELETE FROM task_event_log WHERE key >= ? AND key < ?').run(...logRange(id));
    const ins = db.prepare('INSERT INTO task_events (task_id, uuid, timestamp, type, hostname, clock, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const e of old.slice(0, 2)) {
      const { uuid, timestamp, type, hostname, clock, utcoffset: _u, pid: _p, ...data } = e;
      ins.run(id, uuid, timestamp, type, hostname, clock, JSON.stringify(data));
    }
    db.close();
    // All four arrive again (a redelivery): the two stored ones are duplicates.
    const r = await store.write({ payloads: [multi(old)], workers: [] });
    expect(r).toEqual({ inserted: 2, duplicates: 2 });
    const timeline = await store.getTaskEvents('el-old');
    expect(timeline.map((e) => e.type)).toEqual(['task-sent', 'task-received', 'task-started', 'task-succeeded']);
    expect(timeline[1]!.data).toMatchObject({ args: '(2, 3)' });
    expect((await store.getTask('el-old'))!.state).toBe('SUCCESS');
    // Retention (successes older than a day) deletes both kinds of rows and counts them.
    const fresh = taskLife({ uuid: 'el-new', at: NOW - 60 });
    await store.write({ payloads: [multi(fresh)], workers: [] });
    const gone = await store.applyRetention(NOW);
    expect(gone).toMatchObject({ tasksDeleted: 1, eventsDeleted: 4 });
    expect(await store.getTaskEvents('el-old')).toEqual([]);
    expect((await store.getTaskEvents('el-new')).length).toBe(4);
    await store.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT count(*) FROM task_events').pluck().get()).toBe(0);
    expect(check.prepare('SELECT count(*) FROM task_event_log').pluck().get()).toBe(1);
    check.close();
  });
});

describe('SQLite WAL checkpoints', () => {
  it('are made by the checkpoint thread, not by the writer', async () => {
    const path = join(dir, 'checkpoint.db');
    const store = open('checkpoint.db');
    await store.open();
    const { statSync } = await import('node:fs');
    // ~20 MB of WAL: far below the writer's own threshold (256 MB), above the thread's (4 MB).
    for (let b = 0; b < 20; b++) {
      const payloads = Array.from({ length: 200 }, (_, i) => multi(taskLife({ uuid: `ck-${b}-${i}`, at: NOW - 1000 + b, kwargs: `{'blob': '${'x'.repeat(4000)}'}` })));
      expect((await store.write({ payloads, workers: [] })).inserted).toBe(800);
    }
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(8 * 2 ** 20);
    const deadline = Date.now() + 10000;
    while (statSync(path).size < 8 * 2 ** 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(statSync(path).size).toBeGreaterThan(8 * 2 ** 20);
    await store.close();
  });
});
