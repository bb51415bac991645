import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { SqliteReader } from '../../src/store/sqlite/reader.js';

// Reads whose cost the user decides run on a reader thread: the event loop keeps turning while
// they run, and one that runs too long is answered with TIMEOUT instead of hanging.
const HEAVY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30000000) SELECT count(*) AS n FROM c';

describe('SQLite reader thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-reader-'));
  const path = join(dir, 'r.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);');
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers queries and reports SQL errors as STORE_UNAVAILABLE', async () => {
    const reader = new SqliteReader(path);
    expect(await reader.all('SELECT x FROM t WHERE x > ? ORDER BY x', [1])).toEqual([{ x: 2 }, { x: 3 }]);
    await expect(reader.all('SELECT nope FROM t', [])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await reader.all('SELECT count(*) AS n FROM t', [])).toEqual([{ n: 3 }]);
    await reader.close();
  });

  it('keeps the event loop turning during a long query, and times it out', async () => {
    const reader = new SqliteReader(path, 300);
    await reader.all('SELECT 1', []);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const err = await reader.all(HEAVY, []).catch((e: unknown) => e);
    clearInterval(timer);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('TIMEOUT');
    expect(ticks).toBeGreaterThan(5);
    // a fresh thread serves the next query
    expect(await reader.all('SELECT count(*) AS n FROM t', [])).toEqual([{ n: 3 }]);
    await reader.close();
  });
});
