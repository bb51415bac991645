import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { mergeRuns, StatementPool } from './merge-walk.js';

/** Runs over a real table: one per group, each in (v, id) order; merged they must equal one sort. */
describe('mergeRuns', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, g INTEGER, v REAL); CREATE INDEX t_gv ON t (g, v)');
  const rows: { id: number; g: number; v: number }[] = [];
  const ins = db.prepare('INSERT INTO t (id, g, v) VALUES (?, ?, ?)');
  for (let id = 1; id <= 500; id++) {
    // ties across and within groups; group 4 empty
    const row = { id, g: id % 7 === 4 ? 5 : id % 7, v: Math.round((id * 37) % 50) / 10 };
    rows.push(row);
    ins.run(row.id, row.g, row.v);
  }
  const pool = new StatementPool(db);
  const runs = (desc: boolean) =>
    [0, 1, 2, 3, 4, 5, 6].map((g) => ({ sql: `SELECT id, v FROM t WHERE g = ? ORDER BY v ${desc ? 'DESC' : 'ASC'}, id ${desc ? 'DESC' : 'ASC'}`, params: [g] }));
  const sorted = (desc: boolean) => {
    const s = desc ? -1 : 1;
    return [...rows].sort((a, b) => s * (a.v - b.v) || s * (a.id - b.id)).map((r) => r.id);
  };

  it('gives the first keys of one sort, both directions, ties by key', () => {
    for (const desc of [true, false]) {
      expect(mergeRuns({ runs: runs(desc), limit: 120, desc }, (sql, i) => pool.get(sql, i)).keys).toEqual(sorted(desc).slice(0, 120));
      expect(mergeRuns({ runs: runs(desc), limit: 10_000, desc }, (sql, i) => pool.get(sql, i)).keys).toEqual(sorted(desc));
      // the last key's sort value: where a next round goes on
      const first = mergeRuns({ runs: runs(desc), limit: 120, desc }, (sql, i) => pool.get(sql, i));
      expect(first.lastSort).toBe(rows.find((r) => r.id === first.keys[119])!.v);
    }
  });

  it('leaves every statement free afterwards, also with no runs or a limit of 0', () => {
    expect(mergeRuns({ runs: runs(true), limit: 3, desc: true }, (sql, i) => pool.get(sql, i)).keys).toEqual(sorted(true).slice(0, 3));
    // the same statements again: a statement still iterating would throw "busy"
    expect(mergeRuns({ runs: runs(true), limit: 0, desc: true }, (sql, i) => pool.get(sql, i)).keys).toEqual([]);
    expect(mergeRuns({ runs: [], limit: 5, desc: false }, (sql, i) => pool.get(sql, i)).keys).toEqual([]);
    expect(pool.get(runs(true)[0]!.sql, 0).all(0)).toHaveLength(rows.filter((r) => r.g === 0).length);
  });
});
