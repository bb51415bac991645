import type Database from 'better-sqlite3';

/** WAL lets the API read while the writer thread writes; NORMAL sync is safe with WAL. */
export function configureConnection(db: Database.Database, cacheMb: number): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = -${cacheMb * 1024}`);
  db.pragma('foreign_keys = OFF');
}
