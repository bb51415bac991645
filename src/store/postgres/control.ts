import type { Pool } from 'pg';
import { auditRow } from '../rows-audit.js';
import type { AuditEntry, AuditQuery, TaskLinks } from '../types.js';

/**
 * The Store methods of the control plane (audit log, retry links) for PostgreSQL, over the
 * tables of migrations/postgres/0020_control_audit.sql. PostgresStore delegates to these.
 */
export async function pgRecordAudit(pool: Pool, e: Omit<AuditEntry, 'id'>): Promise<void> {
  await pool.query(
    'INSERT INTO audit_log (at, actor, ip, action, target, params, outcome, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [e.at, e.actor, e.ip, e.action, e.target, e.params === undefined ? null : JSON.stringify(e.params), e.outcome, e.message],
  );
}

export async function pgListAudit(pool: Pool, q: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.cursor) add('id < ?', q.cursor);
  if (q.action) add('action = ?', q.action);
  if (q.target) add('target = ?', q.target);
  params.push(q.limit + 1);
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
  const rows = (await pool.query(sql, params)).rows as Record<string, unknown>[];
  const more = rows.length > q.limit;
  if (more) rows.length = q.limit;
  const items = rows.map(auditRow);
  return { items, nextCursor: more && items.length ? String(items[items.length - 1]!.id) : null };
}

export async function pgLinkRetry(pool: Pool, retryOf: string, retriedAs: string): Promise<void> {
  await pool.query('INSERT INTO task_links (retried_as, retry_of, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [retriedAs, retryOf, Date.now() / 1000]);
}

export async function pgTaskLinks(pool: Pool, uuid: string): Promise<TaskLinks> {
  const [of, as] = await Promise.all([
    pool.query<{ retry_of: string }>('SELECT retry_of FROM task_links WHERE retried_as = $1', [uuid]),
    pool.query<{ retried_as: string }>('SELECT retried_as FROM task_links WHERE retry_of = $1 ORDER BY created_at, retried_as', [uuid]),
  ]);
  return { retry_of: of.rows[0]?.retry_of ?? null, retried_as: as.rows.map((r) => r.retried_as) };
}
