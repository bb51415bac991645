import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateSqlite } from './migrate.js';

describe('migrateSqlite', () => {
  it('is silent on a new database', () => {
    const db = new Database(':memory:');
    const heard: string[][] = [];
    expect(migrateSqlite(db, (p) => heard.push(p)).length).toBeGreaterThan(10);
    expect(migrateSqlite(db, (p) => heard.push(p))).toEqual([]);
    expect(heard).toEqual([]);
    db.close();
  });

  it('says which migrations upgrade an existing database before it runs them', () => {
    const db = new Database(':memory:');
    // A database some version made (a recorded migration), older than all of ours.
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)');
    db.prepare('INSERT INTO schema_migrations VALUES (0, ?, 0)').run('0000_older.sql');
    const heard: string[][] = [];
    let tablesWhenHeard = -1;
    const applied = migrateSqlite(db, (p) => {
      heard.push(p);
      tablesWhenHeard = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'tasks'").pluck().get() as number;
    });
    expect(heard).toEqual([applied]);
    expect(tablesWhenHeard).toBe(0);
    db.close();
  });
});
