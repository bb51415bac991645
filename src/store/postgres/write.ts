import type { Pool } from 'pg';
import type { Worker } from '../../state/types.js';
import { rankOf, exceptionType } from '../../state/merge.js';
import type { Task } from '../../state/types.js';
import { decodeTaskEvents, eventRow, foldTasks, workerParams, type EventRow } from '../rows.js';
import type { WriteResult } from '../types.js';
import type { Partitions } from './partitions.js';
import { INSERT_EVENTS, REFRESH_SEARCH, UPSERT_TASKS, UPSERT_WORKERS } from './statements.js';

const identity = (uuid: string, ts: number, type: string, hostname: string, clock: number | string) =>
  `${uuid}\u0000${ts}\u0000${type}\u0000${hostname}\u0000${clock}`;

/** An escape (not itself escaped) of NUL, or of a UTF-16 surrogate without its pair. */
const UNSTORABLE = /(?<!\\)((?:\\\\)*)(\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2})/gi;

/**
 * The JSON of a batch parameter. PostgreSQL text holds neither NUL nor lone surrogates (both
 * can come from Python reprs), and one such character would fail the whole batch again and
 * again: NUL is dropped and a lone surrogate becomes U+FFFD.
 */
export function toJson(v: unknown): string {
  const s = JSON.stringify(v);
  if (!s.includes('\\u')) return s;
  return s.replace(UNSTORABLE, (_m, slashes: string, esc: string) => (esc === '\\u0000' ? slashes : `${slashes}\\ufffd`));
}

const taskRow = (t: Task) => ({ ...t, rank: rankOf(t.state), exception_type: exceptionType(t.exception) });

/** Deadlocks and serialisation failures are retried: the whole batch is idempotent. */
const RETRYABLE = new Set(['40P01', '40001']);

export interface WriteDeps {
  pool: Pool;
  partitions: Partitions;
  maxEventBytes: number;
  cut: (s: string) => string;
}

/**
 * Writes one batch in one transaction: all events in one INSERT (duplicates skipped by their
 * identity), then one upsert of the tasks folded from the events that were new, then the
 * workers. Rows go in sorted by key, so two instances writing overlapping batches lock rows
 * in the same order and do not deadlock each other.
 */
export async function writeBatch(deps: WriteDeps, payloads: string[], workers: Worker[]): Promise<WriteResult> {
  const events = decodeTaskEvents(payloads, deps.maxEventBytes);
  const rows: EventRow[] = events.map((ev) => eventRow(ev, deps.cut));
  const keys = rows.map((r) => identity(r.uuid, r.timestamp, r.type, r.hostname, r.clock));
  const order = rows.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  if (rows.length > 0) await deps.partitions.ensure(rows.map((r) => r.timestamp));
  const eventsJson = rows.length > 0 ? toJson(order.map((i) => rows[i])) : null;
  const workersJson = workers.length > 0 ? toJson([...workers].sort((a, b) => (a.hostname < b.hostname ? -1 : 1)).map(workerParams)) : null;

  for (let attempt = 1; ; attempt++) {
    const client = await deps.pool.connect();
    try {
      await client.query('BEGIN');
      let inserted = 0;
      if (eventsJson) {
        const r = await client.query<{ uuid: string; timestamp: number; type: string; hostname: string; clock: string }>(INSERT_EVENTS, [eventsJson]);
        const fresh = new Set<string>();
        for (const x of r.rows) fresh.add(identity(x.uuid, Number(x.timestamp), x.type, x.hostname, x.clock));
        const freshEvents = [];
        for (let i = 0; i < events.length; i++) {
          if (fresh.delete(keys[i]!)) freshEvents.push(events[i]!);
        }
        inserted = freshEvents.length;
        if (inserted > 0) {
          const folded = [...foldTasks(freshEvents, deps.cut).values()].sort((a, b) => (a.task.uuid < b.task.uuid ? -1 : 1));
          const originalSends = folded.filter((f) => f.originalSend).map((f) => f.task.uuid);
          // Text changes only when a folded task carries some (merge keeps the newest non-null).
          const withText = folded.filter(({ task: t }) => t.name !== null || t.args !== null || t.kwargs !== null || t.result !== null || t.exception !== null);
          await client.query(UPSERT_TASKS, [toJson(folded.map((f) => taskRow(f.task))), originalSends]);
          if (withText.length > 0) await client.query(REFRESH_SEARCH, [withText.map((f) => f.task.uuid)]);
        }
      }
      if (workersJson) await client.query(UPSERT_WORKERS, [workersJson]);
      await client.query('COMMIT');
      client.release();
      return { inserted, duplicates: rows.length - inserted };
    } catch (err) {
      // A connection that cannot even roll back is broken: drop it from the pool.
      const broken = await client.query('ROLLBACK').then(() => false, () => true);
      client.release(broken);
      const code = (err as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 40));
    }
  }
}
