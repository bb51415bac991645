import type { Pool, PoolClient } from 'pg';
import { cutoffs, DAY_SECONDS, RETENTION_CHUNK, type RetentionPolicy, type RetentionResult } from '../retention.js';
import { dayOf, listPartitions, PARTITION_LOCK, type Partitions } from './partitions.js';

/** Advisory lock of a retention run: with several instances, one runs it at a time. */
const RETENTION_LOCK = '7167334190157471346';

/**
 * One retention run on PostgreSQL.
 *
 * 1. Expired task rows are deleted in chunks: SUCCESS older than the success horizon, the rest
 *    older than the failure horizon, then the oldest beyond the per-state cap.
 * 2. Event partitions whose whole day ends before the success horizon (the bulk of the data)
 *    are dropped. Events in them whose task still exists (failures kept longer) are first
 *    copied to task_events_kept, so a task never loses its timeline while its row remains.
 * 3. Events of deleted tasks outside the dropped days (a task spanning midnight, capped
 *    states, failures) are deleted by uuid, which the identity index serves.
 */
export async function runPostgresRetention(pool: Pool, partitions: Partitions, policy: RetentionPolicy, now: number): Promise<RetentionResult> {
  const result: RetentionResult = { tasksDeleted: 0, eventsDeleted: 0, partitionsDropped: 0 };
  const client = await pool.connect();
  try {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RETENTION_LOCK]);
    if (!got.rows[0]!.ok) return result;
    try {
      const cut = cutoffs(policy, now);
      // Days entirely before this boundary lose their partition.
      const boundary = cut.success !== null ? dayOf(cut.success) * DAY_SECONDS : null;
      if (boundary !== null) partitions.floorDay = boundary / DAY_SECONDS;
      const deleted: string[] = [];
      const sweep = async (where: string, params: unknown[]) => {
        for (;;) {
          const r = await client.query<{ uuid: string }>(
            `DELETE FROM tasks WHERE uuid IN (SELECT uuid FROM tasks WHERE ${where} LIMIT ${RETENTION_CHUNK}) RETURNING uuid`,
            params,
          );
          for (const x of r.rows) deleted.push(x.uuid);
          result.tasksDeleted += r.rowCount ?? 0;
          if (deleted.length >= RETENTION_CHUNK) await deleteEvents(client, deleted.splice(0), boundary, result);
          if ((r.rowCount ?? 0) < RETENTION_CHUNK) break;
        }
      };
      if (cut.success !== null) await sweep(`state = 'SUCCESS' AND seen_at < $1`, [cut.success]);
      if (cut.failure !== null) await sweep(`state <> 'SUCCESS' AND seen_at < $1`, [cut.failure]);
      if (policy.maxTasksPerState > 0) {
        const states = await client.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM tasks GROUP BY state');
        for (const { state, n } of states.rows) {
          let excess = Number(n) - policy.maxTasksPerState;
          while (excess > 0) {
            const take = Math.min(excess, RETENTION_CHUNK);
            const r = await client.query<{ uuid: string }>(
              `DELETE FROM tasks WHERE uuid IN (SELECT uuid FROM tasks WHERE state = $1 ORDER BY seen_at, uuid LIMIT ${take}) RETURNING uuid`,
              [state],
            );
            for (const x of r.rows) deleted.push(x.uuid);
            result.tasksDeleted += r.rowCount ?? 0;
            excess -= take;
            if ((r.rowCount ?? 0) < take) break;
          }
        }
      }
      if (deleted.length > 0) await deleteEvents(client, deleted, boundary, result);
      if (boundary !== null) await dropPartitions(client, partitions, boundary, result);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
    }
  } finally {
    client.release();
  }
  return result;
}

async function deleteEvents(client: PoolClient, uuids: string[], boundary: number | null, result: RetentionResult) {
  // Events before the boundary go with their partition below.
  const r = boundary === null
    ? await client.query('DELETE FROM task_events WHERE uuid = ANY($1::text[])', [uuids])
    : await client.query('DELETE FROM task_events WHERE uuid = ANY($1::text[]) AND timestamp >= $2', [uuids, boundary]);
  const k = await client.query('DELETE FROM task_events_kept WHERE uuid = ANY($1::text[])', [uuids]);
  await client.query('DELETE FROM task_search WHERE uuid = ANY($1::text[])', [uuids]);
  result.eventsDeleted += (r.rowCount ?? 0) + (k.rowCount ?? 0);
}

const KEEP_SURVIVORS = (from: string, where = '') => `INSERT INTO task_events_kept (uuid, timestamp, type, hostname, clock, data)
  SELECT e.uuid, e.timestamp, e.type, e.hostname, e.clock, e.data FROM ${from} e
  WHERE ${where}EXISTS (SELECT 1 FROM tasks t WHERE t.uuid = e.uuid) ON CONFLICT DO NOTHING`;

async function dropPartitions(client: PoolClient, partitions: Partitions, boundary: number, result: RetentionResult) {
  const old = (await listPartitions(client)).filter((p) => (p.day + 1) * DAY_SECONDS <= boundary);
  for (const p of old) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      // No writer may add to the partition between the copy and the drop.
      await client.query(`LOCK TABLE ${p.name} IN ACCESS EXCLUSIVE MODE`);
      const kept = await client.query(KEEP_SURVIVORS(p.name));
      const n = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${p.name}`);
      await client.query(`DROP TABLE ${p.name}`);
      await client.query('COMMIT');
      partitions.forget(p.day);
      result.partitionsDropped++;
      result.eventsDeleted += Number(n.rows[0]!.n) - (kept.rowCount ?? 0);
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  }
  // The default partition holds the odd event of a day without partition: same rule, by row.
  await client.query('BEGIN');
  try {
    const kept = await client.query(KEEP_SURVIVORS('task_events_default', 'e.timestamp < $1 AND '), [boundary]);
    const d = await client.query('DELETE FROM task_events_default WHERE timestamp < $1', [boundary]);
    await client.query('COMMIT');
    result.eventsDeleted += (d.rowCount ?? 0) - (kept.rowCount ?? 0);
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
