import type Database from 'better-sqlite3';
import { logRange } from './event-log.js';
import { FTS_COLUMNS, type FtsBatch, type TextRow } from './fts.js';
import { COUNT_STATE } from './statements.js';
import { StateCounts } from './counts.js';
import { cutoffs, RETENTION_CHUNK, type RetentionPolicy, type RetentionResult } from '../retention.js';

/**
 * One retention run on SQLite, on the writer thread (the only writer). Tasks are deleted in
 * chunks of RETENTION_CHUNK, each chunk in its own transaction together with its tasks'
 * events (by task id: the event log, and task_events of older versions), so writes
 * interleave with a long backlog and a task never outlives or predeceases its events.
 */
export function runSqliteRetention(db: Database.Database, policy: RetentionPolicy, now: number, ftsBatch: () => FtsBatch): RetentionResult {
  const result: RetentionResult = { tasksDeleted: 0, eventsDeleted: 0, partitionsDropped: 0 };
  // Events are found through their task's id, so they go before the task.
  const taskId = db.prepare('SELECT id FROM tasks WHERE uuid = ?').pluck();
  const deleteLog = db.prepare('DELETE FROM task_event_log WHERE key >= ? AND key < ? RETURNING json_array_length(events)').pluck();
  const deleteOld = db.prepare('DELETE FROM task_events WHERE task_id = ? AND uuid = ?');
  const deleteEvents = (uuid: string): number => {
    const id = taskId.get(uuid) as number | null | undefined;
    if (id === undefined || id === null) return 0;
    let n = deleteOld.run(id, uuid).changes;
    for (const k of deleteLog.all(...logRange(id)) as number[]) n += k;
    return n;
  };
  const deleteTask = db.prepare(`DELETE FROM tasks WHERE uuid = ? RETURNING state, ${FTS_COLUMNS}`).raw();
  // the stored-event counter of migrations/sqlite/0070_counts.sql, and tasks per state (0090)
  const uncount = db.prepare('UPDATE event_count SET n = n - ?');
  const countState = db.prepare(COUNT_STATE);
  const chunk = (select: Database.Statement, params: unknown[]): number => {
    const del = db.transaction(() => {
      const uuids = select.pluck().all(...params) as string[];
      const fts = ftsBatch();
      const states = new StateCounts();
      let events = 0;
      for (const u of uuids) {
        events += deleteEvents(u);
        const gone = deleteTask.get(u) as unknown[] | undefined;
        if (!gone) continue;
        fts.deleted(gone.slice(1) as TextRow);
        states.add(gone[0] as string, -1);
      }
      fts.apply();
      states.write(countState);
      if (events > 0) uncount.run(events);
      result.eventsDeleted += events;
      result.tasksDeleted += uuids.length;
      return uuids.length;
    });
    return del();
  };
  const cut = cutoffs(policy, now);
  if (cut.success !== null) {
    const sel = db.prepare(`SELECT uuid FROM tasks WHERE state = 'SUCCESS' AND seen_at < ? LIMIT ${RETENTION_CHUNK}`);
    while (chunk(sel, [cut.success]) === RETENTION_CHUNK);
  }
  if (cut.failure !== null) {
    const sel = db.prepare(`SELECT uuid FROM tasks WHERE state <> 'SUCCESS' AND seen_at < ? LIMIT ${RETENTION_CHUNK}`);
    while (chunk(sel, [cut.failure]) === RETENTION_CHUNK);
  }
  if (policy.maxTasksPerState > 0) {
    const states = db.prepare('SELECT state, n FROM task_counts WHERE n > 0').all() as { state: string; n: number }[];
    const sel = db.prepare('SELECT uuid FROM tasks WHERE state = ? ORDER BY seen_at, uuid LIMIT ?');
    for (const { state, n } of states) {
      let excess = n - policy.maxTasksPerState;
      while (excess > 0) {
        const take = Math.min(excess, RETENTION_CHUNK);
        const got = chunk(sel, [state, take]);
        excess -= take;
        if (got < take) break;
      }
    }
  }
  return result;
}
