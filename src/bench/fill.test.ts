import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fillHistory } from './fill.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-fill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** FTS5's integrity-check with rank 1 compares each index with the table it indexes. */
function checkIndexes(path: string): { tasks: number; counted: number; hits: number } {
  const db = new Database(path);
  try {
    for (const t of ['tasks_fts_call', 'tasks_fts_outcome']) db.prepare(`INSERT INTO ${t} (${t}, rank) VALUES ('integrity-check', 1)`).run();
    expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
    for (const t of ['tasks_fts_call', 'tasks_fts_outcome']) {
      // the writer's settings, not the fill's (its 256 MB term buffer must not stay behind)
      expect(db.prepare(`SELECT v FROM ${t}_config WHERE k = 'hashsize'`).pluck().get() ?? 1048576).toBe(1048576);
      expect(db.prepare(`SELECT v FROM ${t}_config WHERE k = 'automerge'`).pluck().get()).toBe(16);
    }
    return {
      tasks: db.prepare('SELECT count(*) FROM tasks').pluck().get() as number,
      counted: db.prepare('SELECT sum(n) FROM task_counts').pluck().get() as number,
      hits: db.prepare("SELECT count(*) FROM tasks_fts_call WHERE tasks_fts_call MATCH '\"acme-42\"'").pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

describe('fillHistory', () => {
  it('fills a fresh store with its full-text indexes built on another thread, then extends it in place', async () => {
    const path = join(dir, 'h.db');
    const first = await fillHistory(path, 12000, () => undefined);
    expect(first.added).toBe(12000);
    // "acme-42" is in kwargs of every row i with i % 5000 in 42, 420-429, 4200-4299
    expect(checkIndexes(path)).toEqual({ tasks: 12000, counted: 12000, hits: 2 * 111 + 11 });
    const more = await fillHistory(path, 15000, () => undefined);
    expect(more.added).toBe(3000);
    expect(checkIndexes(path)).toEqual({ tasks: 15000, counted: 15000, hits: 3 * 111 });
    expect((await fillHistory(path, 15000, () => undefined)).added).toBe(0);
  }, 60000);
});
