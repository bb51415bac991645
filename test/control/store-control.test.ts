/**
 * The control plane's store methods (audit log, retry links) on both stores: SQLite through
 * the built store, PostgreSQL through the functions PostgresStore delegates to.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgLinkRetry, pgListAudit, pgRecordAudit, pgTaskLinks } from '../../src/store/postgres/control.js';
import type { AuditEntry, AuditQuery, TaskLinks } from '../../src/store/types.js';
import { PG_BASE, REPO_ROOT } from '../helpers/services.js';
// The built store: its writer thread must be JavaScript (npm test builds first).
import { SqliteStore } from '../../dist/store/sqlite/store.js';

interface ControlStore {
  recordAudit(e: Omit<AuditEntry, 'id'>): Promise<void>;
  listAudit(q: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }>;
  linkRetry(a: string, b: string): Promise<void>;
  taskLinks(u: string): Promise<TaskLinks>;
}

const PG_DB = 'celeriac_test_control';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function sqlite(): Promise<ControlStore> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-store-control-'));
  const s = new SqliteStore({ path: join(dir, 's.db'), maxEventBytes: 524288, maxFieldBytes: 65536 });
  await s.open();
  cleanups.push(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

async function postgres(): Promise<ControlStore> {
  const admin = new pg.Client({ connectionString: `${PG_BASE}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${PG_DB}`);
  await admin.query(`CREATE DATABASE ${PG_DB}`);
  const pool = new pg.Pool({ connectionString: `${PG_BASE}/${PG_DB}`, max: 2 });
  await pool.query(readFileSync(join(REPO_ROOT, 'src/store/migrations/postgres/0020_control_audit.sql'), 'utf8'));
  cleanups.push(async () => {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${PG_DB}`);
    await admin.end();
  });
  return {
    recordAudit: (e) => pgRecordAudit(pool, e),
    listAudit: (q) => pgListAudit(pool, q),
    linkRetry: (a, b) => pgLinkRetry(pool, a, b),
    taskLinks: (u) => pgTaskLinks(pool, u),
  };
}

describe.each([['sqlite', sqlite], ['postgres', postgres]] as const)('control store methods on %s', (_kind, make) => {
  let s: ControlStore;
  beforeAll(async () => {
    s = await make();
  });

  it('appends and pages the audit log, newest first, with filters', async () => {
    for (let i = 0; i < 5; i++) {
      await s.recordAudit({ at: 1000 + i, actor: i % 2 ? 'bob' : null, ip: '10.0.0.1', action: i < 3 ? 'revoke' : 'pool_grow', target: `t${i}`, params: { n: i, s: 'é' }, outcome: i === 4 ? 'error' : 'ok', message: i === 4 ? 'TIMEOUT: no reply' : null });
    }
    const p1 = await s.listAudit({ limit: 2 });
    expect(p1.items.map((e) => e.target)).toEqual(['t4', 't3']);
    expect(p1.items[0]).toMatchObject({ at: 1004, actor: null, ip: '10.0.0.1', action: 'pool_grow', params: { n: 4, s: 'é' }, outcome: 'error', message: 'TIMEOUT: no reply' });
    const p2 = await s.listAudit({ limit: 2, cursor: p1.nextCursor! });
    expect(p2.items.map((e) => e.target)).toEqual(['t2', 't1']);
    const p3 = await s.listAudit({ limit: 2, cursor: p2.nextCursor! });
    expect(p3.items.map((e) => e.target)).toEqual(['t0']);
    expect(p3.nextCursor).toBeNull();
    expect((await s.listAudit({ limit: 10, action: 'revoke' })).items).toHaveLength(3);
    expect((await s.listAudit({ limit: 10, target: 't1' })).items[0]!.actor).toBe('bob');
  });

  it('links retries both ways, idempotently', async () => {
    await s.linkRetry('a', 'b');
    await s.linkRetry('a', 'b');
    await s.linkRetry('a', 'c');
    await s.linkRetry('b', 'd');
    expect(await s.taskLinks('a')).toEqual({ retry_of: null, retried_as: ['b', 'c'] });
    expect(await s.taskLinks('b')).toEqual({ retry_of: 'a', retried_as: ['d'] });
    expect(await s.taskLinks('zzz')).toEqual({ retry_of: null, retried_as: [] });
  });
});
