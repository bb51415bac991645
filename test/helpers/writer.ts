import Database from 'better-sqlite3';
import { migrateSqlite } from '../../src/store/sqlite/migrate.js';
import { openWriter, type SqliteWriter, type WriterInit } from '../../src/store/sqlite/writer.js';

/** A task event's payload text as a worker sends it (one host, the clock following the time). */
export const eventText = (type: string, uuid: string, ts: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ hostname: 'w1@h', utcoffset: 0, pid: 1, clock: Math.round(ts * 10), uuid, timestamp: ts, type, ...extra });

/** Migrates a new SQLite store at `path` and opens its write path in this process (store/sqlite/writer.ts). */
export function openMigratedWriter(path: string, init: Partial<WriterInit> = {}): SqliteWriter {
  const m = new Database(path);
  migrateSqlite(m);
  m.close();
  return openWriter({ path, maxEventBytes: 524288, maxFieldBytes: 65536, ...init });
}
