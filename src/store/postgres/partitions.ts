import type { Pool, PoolClient } from 'pg';
import { DAY_SECONDS } from '../retention.js';

/** Advisory lock taken while creating or dropping partitions (two instances take turns). */
export const PARTITION_LOCK = '7167334190157471345';

/** Days ahead of today that always have a partition, so the write path rarely creates one. */
const AHEAD_DAYS = 2;
/** Partitions are created only for days this close to today; wilder timestamps go to the default partition. */
const MAX_PAST_DAYS = 366;
const MAX_FUTURE_DAYS = 7;

export const dayOf = (ts: number) => Math.floor(ts / DAY_SECONDS);

export function partitionName(day: number): string {
  const d = new Date(day * DAY_SECONDS * 1000);
  return `task_events_p${d.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** The day a partition covers, from its name (null for the default partition and others). */
export function dayOfPartition(name: string): number | null {
  const m = /^task_events_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000 / DAY_SECONDS : null;
}

/** The day partitions of task_events that exist now. */
export async function listPartitions(db: Pool | PoolClient): Promise<{ name: string; day: number }[]> {
  const r = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'task_events'::regclass`,
  );
  const out: { name: string; day: number }[] = [];
  for (const { name } of r.rows) {
    const day = dayOfPartition(name);
    if (day !== null) out.push({ name, day });
  }
  return out.sort((a, b) => a.day - b.day);
}

/**
 * Daily range partitions of task_events, created ahead as needed. Creation happens outside
 * the write transaction (it briefly locks the parent table) under an advisory lock.
 */
export class Partitions {
  private readonly known = new Set<number>();
  /** Days before this are past the retention horizon: their partitions are not recreated. */
  floorDay = -Infinity;

  constructor(private readonly pool: Pool) {}

  async load(): Promise<void> {
    this.known.clear();
    for (const p of await listPartitions(this.pool)) this.known.add(p.day);
  }

  forget(day: number): void {
    this.known.delete(day);
  }

  /** Makes sure the days of these timestamps (and today + AHEAD_DAYS) have partitions. */
  async ensure(timestamps: Iterable<number>, now = Date.now() / 1000): Promise<void> {
    const today = dayOf(now);
    const want = new Set<number>();
    for (let d = today; d <= today + AHEAD_DAYS; d++) if (!this.known.has(d)) want.add(d);
    for (const ts of timestamps) {
      const d = dayOf(ts);
      if (this.known.has(d) || want.has(d)) continue;
      if (d < today - MAX_PAST_DAYS || d > today + MAX_FUTURE_DAYS || d < this.floorDay) continue;
      want.add(d);
    }
    if (want.size === 0) return;
    const client = await this.pool.connect();
    try {
      for (const d of [...want].sort((a, b) => a - b)) {
        await client.query('BEGIN');
        try {
          await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
          await client.query(
            `CREATE TABLE IF NOT EXISTS ${partitionName(d)} PARTITION OF task_events
             FOR VALUES FROM (${d * DAY_SECONDS}) TO (${(d + 1) * DAY_SECONDS})`,
          );
          await client.query('COMMIT');
        } catch {
          // Typically: the default partition already holds rows of that day. They stay there
          // (and are found there); the day simply gets no partition of its own.
          await client.query('ROLLBACK');
        }
        this.known.add(d);
      }
    } finally {
      client.release();
    }
  }
}
