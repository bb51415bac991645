import pg from 'pg';
import { AppError, describeError } from '../../shared/errors.js';
import type { Task, Worker } from '../../state/types.js';
import { buildTaskQuery } from '../query/sql.js';
import { NO_RETENTION, retentionEnabled, type RetentionPolicy, type RetentionResult } from '../retention.js';
import { cutter, rowToTask, rowToWorker } from '../rows.js';
import type { AuditEntry, AuditQuery, Store, StoreCounts, StoredEvent, TaskLinks, TaskPage, TaskQuery, WriteBatch, WriteResult } from '../types.js';
import { pgLinkRetry, pgListAudit, pgRecordAudit, pgTaskLinks } from './control.js';
import { POSTGRES } from './dialect.js';
import { migratePostgres } from './migrate.js';
import { Partitions } from './partitions.js';
import { runPostgresRetention } from './retention.js';
import { writeBatch, type WriteDeps } from './write.js';

export interface PostgresStoreOptions {
  url: string;
  maxEventBytes: number;
  maxFieldBytes: number;
  retention?: RetentionPolicy;
  /** Connections at most (writes use one at a time; the rest serve the API). */
  poolSize?: number;
  /** Called with errors of background work (partition upkeep, retention). */
  onBackgroundError?: (err: unknown) => void;
}

/** Partition upkeep (today + 2 days ahead) runs this often, besides on demand. */
const UPKEEP_MS = 3600_000;

/**
 * PostgreSQL store. Several Celeriac instances may share one database: every write is an
 * idempotent, order-independent merge, migrations and partition changes take advisory locks,
 * and retention runs in one instance at a time.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly partitions: Partitions;
  private readonly deps: WriteDeps;
  private readonly retention: RetentionPolicy;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private retentionRunning: Promise<RetentionResult> | null = null;

  constructor(private readonly opts: PostgresStoreOptions) {
    this.pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 8, application_name: 'celeriac' });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', (err) => opts.onBackgroundError?.(err));
    this.partitions = new Partitions(this.pool);
    this.deps = { pool: this.pool, partitions: this.partitions, maxEventBytes: opts.maxEventBytes, cut: cutter(opts.maxFieldBytes) };
    this.retention = opts.retention ?? NO_RETENTION;
  }

  async open(): Promise<void> {
    try {
      await migratePostgres(this.pool);
      await this.partitions.load();
      await this.partitions.ensure([]);
    } catch (err) {
      await this.pool.end().catch(() => undefined);
      throw new AppError('STORE_OPEN_FAILED', `cannot open PostgreSQL database: ${describeError(err)}`, { cause: err });
    }
    const background = (fn: () => Promise<unknown>, ms: number) => {
      const t = setInterval(() => {
        fn().catch((err: unknown) => this.opts.onBackgroundError?.(err));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    background(() => this.partitions.ensure([]), UPKEEP_MS);
    if (retentionEnabled(this.retention)) background(() => this.applyRetention(), this.retention.intervalSeconds * 1000);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.retentionRunning?.catch(() => undefined);
    await this.pool.end();
  }

  async write(batch: WriteBatch): Promise<WriteResult> {
    if (this.closed) throw new AppError('STORE_UNAVAILABLE', 'store is closed');
    try {
      return await writeBatch(this.deps, batch.payloads, batch.workers);
    } catch (err) {
      throw new AppError('STORE_UNAVAILABLE', `PostgreSQL write failed: ${describeError(err)}`, { cause: err });
    }
  }

  applyRetention(now = Date.now() / 1000): Promise<RetentionResult> {
    this.retentionRunning ??= runPostgresRetention(this.pool, this.partitions, this.retention, now).finally(() => {
      this.retentionRunning = null;
    });
    return this.retentionRunning;
  }

  private async rows(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    try {
      return (await this.pool.query(sql, params)).rows as Record<string, unknown>[];
    } catch (err) {
      if ((err as { code?: string }).code === undefined || /connect|terminat/i.test(describeError(err))) {
        throw new AppError('STORE_UNAVAILABLE', `PostgreSQL is unavailable: ${describeError(err)}`, { cause: err });
      }
      throw err;
    }
  }

  async queryTasks(q: TaskQuery): Promise<TaskPage> {
    const { parts, cursorOf } = buildTaskQuery({ ...q, limit: q.limit + 1 }, POSTGRES);
    const rows: Record<string, unknown>[] = [];
    for (const part of parts) {
      if (rows.length > q.limit) break;
      rows.push(...(await this.rows(part.sql, part.params)));
    }
    const more = rows.length > q.limit;
    if (more) rows.length = q.limit;
    const last = rows[rows.length - 1];
    return { tasks: rows.map(rowToTask), nextCursor: more && last ? cursorOf(last) : null };
  }

  async getTask(uuid: string): Promise<Task | null> {
    const r = await this.rows('SELECT * FROM tasks WHERE uuid = $1', [uuid]);
    return r[0] ? rowToTask(r[0]) : null;
  }

  async getTasks(uuids: string[]): Promise<Task[]> {
    if (uuids.length === 0) return [];
    return (await this.rows('SELECT * FROM tasks WHERE uuid = ANY($1::text[])', [uuids])).map(rowToTask);
  }

  async getTaskEvents(uuid: string): Promise<StoredEvent[]> {
    const rows = await this.rows(
      `SELECT uuid, type, timestamp, hostname, clock, data FROM task_events WHERE uuid = $1
       UNION ALL SELECT uuid, type, timestamp, hostname, clock, data FROM task_events_kept WHERE uuid = $1
       ORDER BY timestamp, clock`,
      [uuid],
    );
    return rows.map((r) => ({
      uuid: r.uuid as string,
      type: r.type as string,
      timestamp: Number(r.timestamp),
      hostname: r.hostname as string,
      clock: Number(r.clock),
      data: r.data ? (JSON.parse(r.data as string) as Record<string, unknown>) : {},
    }));
  }

  async getChildren(uuid: string, limit: number): Promise<Task[]> {
    return (await this.rows('SELECT * FROM tasks WHERE parent_id = $1 AND uuid <> $1 ORDER BY seen_at LIMIT $2', [uuid, limit])).map(rowToTask);
  }

  async taskNames(): Promise<string[]> {
    // PostgreSQL has no skip scan: walk the (name, seen_at) index one distinct name at a time.
    const rows = await this.rows(`WITH RECURSIVE n AS (
      (SELECT name FROM tasks WHERE name IS NOT NULL ORDER BY name LIMIT 1)
      UNION ALL
      SELECT (SELECT t.name FROM tasks t WHERE t.name > n.name ORDER BY t.name LIMIT 1) FROM n WHERE n.name IS NOT NULL
    ) SELECT name FROM n WHERE name IS NOT NULL`);
    return rows.map((r) => r.name as string);
  }

  async listWorkers(): Promise<Worker[]> {
    return (await this.rows('SELECT * FROM workers ORDER BY hostname')).map(rowToWorker);
  }

  async unfinishedTasks(limit: number): Promise<Task[]> {
    return (await this.rows("SELECT * FROM tasks WHERE finished IS NULL AND state <> 'ORPHANED' ORDER BY seen_at DESC LIMIT $1", [limit])).map(rowToTask);
  }

  async counts(): Promise<StoreCounts> {
    const byState: Record<string, number> = {};
    let tasks = 0;
    for (const r of await this.rows('SELECT state, count(*) AS n FROM tasks GROUP BY state')) {
      byState[r.state as string] = Number(r.n);
      tasks += Number(r.n);
    }
    const ev = await this.rows('SELECT (SELECT count(*) FROM task_events) + (SELECT count(*) FROM task_events_kept) AS n');
    return { tasks, events: Number(ev[0]!.n), byState };
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return !this.closed;
    } catch {
      return false;
    }
  }

  recordAudit(e: Omit<AuditEntry, 'id'>): Promise<void> {
    return pgRecordAudit(this.pool, e);
  }

  listAudit(q: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    return pgListAudit(this.pool, q);
  }

  linkRetry(retryOf: string, retriedAs: string): Promise<void> {
    return pgLinkRetry(this.pool, retryOf, retriedAs);
  }

  taskLinks(uuid: string): Promise<TaskLinks> {
    return pgTaskLinks(this.pool, uuid);
  }
}
