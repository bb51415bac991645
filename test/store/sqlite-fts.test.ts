import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateSqlite } from '../../src/store/sqlite/migrate.js';
import { eventText as ev, openMigratedWriter } from '../helpers/writer.js';

/**
 * The FTS5 indexes are written by the writer, once per batch, from each task's text before
 * and after its upsert (store/sqlite/fts.ts). FTS5's own integrity-check compares an
 * external-content index with the table it indexes, so it fails if the batched writes ever
 * leave a stale, missing or extra entry.
 */
const dir = mkdtempSync(join(tmpdir(), 'celeriac-fts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(path: string) {
  const db = new Database(path, { readonly: false });
  for (const t of ['tasks_fts_call', 'tasks_fts_outcome']) {
    expect(() => db.prepare(`INSERT INTO ${t} (${t}, rank) VALUES ('integrity-check', 1)`).run()).not.toThrow();
  }
  const rows = db.prepare('SELECT (SELECT count(*) FROM tasks_fts_call_docsize) || \'/\' || (SELECT count(*) FROM tasks_fts_outcome_docsize) || \'/\' || (SELECT count(*) FROM tasks)').pluck().get();
  const search = (table: string, q: string) =>
    db.prepare(`SELECT t.uuid FROM ${table} f JOIN tasks t ON t.rowid = f.rowid WHERE ${table} MATCH ? ORDER BY t.uuid`).pluck().all(q);
  const out = { rows, search };
  return { ...out, close: () => db.close() };
}

describe('SQLite full-text index, written per batch', () => {
  it('stays exactly in step with the tasks through inserts, text changes and deletes', () => {
    const path = join(dir, 'c.db');
    const w = openMigratedWriter(path);
    // Batch 1: three tasks; "b" is inserted and changes its text inside the same batch.
    w.write([
      ev('task-received', 'a', 100, { name: 'billing.charge', args: "('acme',)", kwargs: '{}' }),
      ev('task-received', 'b', 100, { name: 'emails.send', args: "('first',)", kwargs: '{}' }),
      ev('task-received', 'b', 101, { name: 'emails.send', args: "('second',)", kwargs: '{}' }),
      ev('task-received', 'c', 100, { name: 'reports.build', args: '()', kwargs: "{'who': 'zeta'}" }),
    ], []);
    // Batch 2: outcomes arrive, and "a" is redelivered with other args (changed text later).
    w.write([
      ev('task-succeeded', 'a', 102, { result: "'charged-ok'", runtime: 1 }),
      ev('task-failed', 'c', 102, { exception: "KeyError('missing-key')", traceback: 'tb' }),
      ev('task-received', 'a', 103, { name: 'billing.charge', args: "('globex',)", kwargs: '{}' }),
    ], []);
    let c = check(path);
    expect(c.rows).toBe('3/3/3');
    expect(c.search('tasks_fts_call', 'args : "second"')).toEqual(['b']);
    expect(c.search('tasks_fts_call', 'args : "first"')).toEqual([]);
    expect(c.search('tasks_fts_call', 'args : "globex"')).toEqual(['a']);
    expect(c.search('tasks_fts_call', 'args : "acme"')).toEqual([]);
    expect(c.search('tasks_fts_outcome', '"charged"')).toEqual(['a']);
    expect(c.search('tasks_fts_outcome', 'exception : "missing"')).toEqual(['c']);
    c.close();
    // Retention at t=87,500 with one day for every state deletes a, b and c, and keeps d.
    w.write([ev('task-received', 'd', 87000, { name: 'late.one', args: "('acme',)", kwargs: '{}' })], []);
    const r = w.retention({ successDays: 1, failureDays: 1, maxTasksPerState: 0, intervalSeconds: 60 }, 87500);
    expect(r.tasksDeleted).toBe(3);
    c = check(path);
    expect(c.rows).toBe('1/1/1');
    expect(c.search('tasks_fts_call', 'args : "acme"')).toEqual(['d']);
    expect(c.search('tasks_fts_outcome', '"charged"')).toEqual([]);
    c.close();
    w.close();
  });

  it('follows a task through retries, a late redelivery and a failure after a retry', () => {
    const path = join(dir, 'retry.db');
    const w = openMigratedWriter(path);
    w.write([ev('task-received', 'r', 10, { name: 'sync.pull', args: "('alpha-one',)", kwargs: '{}' })], []);
    w.write([ev('task-retried', 'r', 11, { exception: "Timeout('first-try')", traceback: 'tb' })], []);
    w.write([ev('task-received', 'r', 12, { name: 'sync.pull', args: "('beta-two',)", kwargs: '{}' })], []);
    w.write([ev('task-failed', 'r', 13, { exception: "IOError('second-try')", traceback: 'tb' })], []);
    // A late, older redelivery of the first receipt: the args it carries are not the newest.
    w.write([ev('task-received', 'r', 10, { name: 'sync.pull', args: "('alpha-one',)", kwargs: '{}' }), ev('task-sent', 'r', 9, { name: 'sync.pull', args: "('alpha-one',)", kwargs: '{}' })], []);
    w.close();
    const db = new Database(path, { readonly: true });
    const stored = db.prepare("SELECT args, exception FROM tasks WHERE uuid = 'r'").get() as { args: string; exception: string };
    db.close();
    const c = check(path);
    expect(c.rows).toBe('1/1/1');
    // The index holds exactly what the table holds, whatever the merge kept.
    const argWord = stored.args.includes('beta-two') ? 'beta-two' : 'alpha-one';
    expect(c.search('tasks_fts_call', `args : "${argWord}"`)).toEqual(['r']);
    expect(c.search('tasks_fts_call', `args : "${argWord === 'beta-two' ? 'alpha-one' : 'beta-two'}"`)).toEqual([]);
    expect(c.search('tasks_fts_outcome', '"second-try"')).toEqual(stored.exception.includes('second-try') ? ['r'] : []);
    expect(c.search('tasks_fts_outcome', '"first-try"')).toEqual(stored.exception.includes('first-try') ? ['r'] : []);
    c.close();
  });

  it('upgrades a store whose call index holds the uuid (migration 0110): rebuilt without it', () => {
    const path = join(dir, 'upgrade.db');
    const m = new Database(path);
    migrateSqlite(m);
    // As before 0110: the call index with the uuid, and 0110 not applied.
    m.exec(`DROP TABLE tasks_fts_call;
      CREATE VIRTUAL TABLE tasks_fts_call USING fts5(uuid, name, args, kwargs, content = 'tasks', content_rowid = 'rowid', tokenize = 'trigram');
      DELETE FROM schema_migrations WHERE version = 110;`);
    m.close();
    // Tasks indexed the old way (the writer now writes the new layout).
    const old = new Database(path);
    old.exec(`INSERT INTO tasks (uuid, name, state, rank, timestamp, args, kwargs, seen_at) VALUES
      ('0a1b2c3d-uuid', 'billing.charge', 'RECEIVED', 2, 1, '(''acme'',)', '{}', 1),
      ('9f8e7d6c-uuid', 'emails.send', 'RECEIVED', 2, 2, '(''globex'',)', '{}', 2);
      INSERT INTO tasks_fts_call (tasks_fts_call) VALUES ('rebuild');
      INSERT INTO tasks_fts_outcome (tasks_fts_outcome) VALUES ('rebuild');`);
    expect(old.prepare('SELECT count(*) FROM tasks_fts_call WHERE tasks_fts_call MATCH ?').pluck().get('"0a1b2c"')).toBe(1);
    expect(migrateSqlite(old)).toEqual(['0110_fts_call_without_uuid.sql']);
    const cols = (old.prepare('PRAGMA table_info(tasks_fts_call)').all() as { name: string }[]).map((r) => r.name);
    expect(cols).toEqual(['name', 'args', 'kwargs']);
    expect(old.prepare("SELECT v FROM tasks_fts_call_config WHERE k = 'hashsize'").pluck().get()).toBe(1048576);
    old.close();
    const c = check(path);
    expect(c.rows).toBe('2/2/2');
    expect(c.search('tasks_fts_call', '"0a1b2c"')).toEqual([]);
    expect(c.search('tasks_fts_call', '"globex"')).toEqual(['9f8e7d6c-uuid']);
    c.close();
  });
});
