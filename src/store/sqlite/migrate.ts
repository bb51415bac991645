import { readdirSync, readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';

const MIGRATIONS_DIR = new URL('../migrations/sqlite/', import.meta.url);

/**
 * Applies the numbered .sql files not yet recorded in schema_migrations, each in a transaction.
 * `onUpgrade` hears which ones before they run, when the database had a schema already (an
 * upgrade: some rebuild an index, minutes on a store of millions of tasks).
 */
export function migrateSqlite(db: Database.Database, onUpgrade?: (pending: string[]) => void): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)`);
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
  const pending = files.filter((f) => !done.has(Number.parseInt(f, 10)));
  if (pending.length > 0 && done.size > 0) onUpgrade?.(pending);
  const applied: string[] = [];
  for (const f of files) {
    const version = Number.parseInt(f, 10);
    if (done.has(version)) continue;
    const sql = readFileSync(new URL(f, MIGRATIONS_DIR), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, f, Date.now() / 1000);
    })();
    applied.push(f);
  }
  return applied;
}
