import { FTS_COLUMNS } from './fts.js';

/**
 * The SQLite statements of the write path. The task upsert is the SQL twin of
 * state/merge.ts `applyTaskEvent`: an incoming event replaces state/timestamp only when
 * `replacesState` says so, time columns keep their maximum, seen_at its minimum, and
 * other fields take the newest non-null value.
 */
export const TASK_COLUMNS = [
  'uuid', 'name', 'state', 'rank', 'timestamp', 'args', 'kwargs', 'result', 'exception', 'exception_type',
  'traceback', 'worker', 'client', 'queue', 'exchange', 'routing_key', 'root_id', 'parent_id', 'retries',
  'eta', 'expires', 'sent', 'received', 'started', 'succeeded', 'failed', 'retried', 'revoked', 'rejected',
  'finished', 'seen_at', 'runtime', 'terminated', 'signum', 'expired', 'requeue', 'clock',
  'orphaned_at', 'orphan_reason',
] as const;

/**
 * SQL of state/merge.ts `replacesState`: if either side is RETRY the newer wins, except that
 * SUCCESS and FAILURE always beat RETRY; ORPHANED floats by time against unfinished states and
 * loses to every terminal one; otherwise rank.
 */
export const TERMINAL_SQL = `('SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED')`;
export const WINS = `(CASE WHEN excluded.state = 'RETRY' OR tasks.state = 'RETRY' THEN
    CASE WHEN tasks.state IN ('SUCCESS', 'FAILURE') THEN FALSE
      WHEN excluded.state IN ('SUCCESS', 'FAILURE') THEN TRUE
      ELSE excluded.timestamp >= tasks.timestamp END
  WHEN excluded.state = 'ORPHANED' THEN tasks.state NOT IN ${TERMINAL_SQL} AND excluded.timestamp >= tasks.timestamp
  WHEN tasks.state = 'ORPHANED' THEN excluded.state IN ${TERMINAL_SQL} OR excluded.timestamp >= tasks.timestamp
  ELSE excluded.rank > tasks.rank OR (excluded.rank = tasks.rank AND excluded.timestamp >= tasks.timestamp) END)`;
const maxOf = (c: string) =>
  `${c} = CASE WHEN excluded.${c} IS NULL THEN tasks.${c} WHEN tasks.${c} IS NULL THEN excluded.${c} ELSE max(tasks.${c}, excluded.${c}) END`;
const newest = (c: string) => `${c} = coalesce(excluded.${c}, tasks.${c})`;
/** Who ran it and how it failed follow the event that decides the state (see merge.ts). */
export const fromWinner = (c: string) =>
  `${c} = CASE WHEN excluded.${c} IS NOT NULL AND (tasks.${c} IS NULL OR ${WINS}) THEN excluded.${c} ELSE tasks.${c} END`;

/**
 * The orphan columns of the task upsert (shared with the PostgreSQL upsert, which passes its
 * own `maxOf`): the latest orphaning wins and its reason goes with it.
 */
export const orphanSet = (maxOf: (c: string) => string) =>
  `orphan_reason = CASE WHEN excluded.orphaned_at IS NOT NULL AND (tasks.orphaned_at IS NULL OR excluded.orphaned_at >= tasks.orphaned_at)
    THEN excluded.orphan_reason ELSE tasks.orphan_reason END,
  ${maxOf('orphaned_at')}`;

/**
 * Positional parameters (faster to bind than named ones), in the order they appear: the task's
 * id, TASK_COLUMNS in order, then whether the batch held the original task-sent, which the SET
 * clause uses exactly once (rows.ts `taskValues`). Returns the task's state and searched text as stored
 * afterwards, for the full-text index (fts.ts).
 */
export const UPSERT_TASK = `INSERT INTO tasks (id, ${TASK_COLUMNS.join(', ')})
VALUES (?, ${TASK_COLUMNS.map(() => '?').join(', ')})
ON CONFLICT (uuid) DO UPDATE SET
  id = coalesce(tasks.id, excluded.id),
  ${taskMergeSet({ maxOf, greatest: 'max', least: 'min', originalSend: '? = 1' })}
RETURNING state, ${FTS_COLUMNS}`;

/**
 * The SET clause of the task upsert, shared by both stores so the merge rule is written once;
 * each dialect gives its NULL-aware maximum, its two-argument max/min and how it knows the
 * batch held the original task-sent.
 */
export function taskMergeSet(d: { maxOf: (c: string) => string; greatest: string; least: string; originalSend: string }): string {
  const maxOf = d.maxOf;
  return `state = CASE WHEN ${WINS} THEN excluded.state ELSE tasks.state END,
  rank = CASE WHEN ${WINS} THEN excluded.rank ELSE tasks.rank END,
  timestamp = CASE WHEN ${WINS} THEN excluded.timestamp ELSE tasks.timestamp END,
  ${['name', 'args', 'kwargs', 'result', 'queue', 'exchange', 'routing_key', 'root_id', 'parent_id', 'eta', 'expires',
    'runtime', 'terminated', 'signum', 'expired', 'requeue'].map(newest).join(',\n  ')},
  ${['worker', 'exception', 'exception_type', 'traceback'].map(fromWinner).join(',\n  ')},
  client = CASE WHEN excluded.client IS NULL THEN tasks.client WHEN tasks.client IS NULL OR ${d.originalSend}
    THEN excluded.client ELSE tasks.client END,
  retries = ${d.greatest}(tasks.retries, excluded.retries),
  clock = ${d.greatest}(tasks.clock, excluded.clock),
  seen_at = ${d.least}(tasks.seen_at, excluded.seen_at),
  ${orphanSet(maxOf)},
  ${['sent', 'received', 'started', 'succeeded', 'failed', 'retried', 'revoked', 'rejected', 'finished'].map(maxOf).join(',\n  ')}`;
}

/**
 * A task believed new (writer.ts, batch.ts RecentTasks): a plain INSERT, without the merge or
 * RETURNING (its text for the full-text index is what it binds). If it is stored after all,
 * nothing changes (0 rows) and the writer merges it as a stored task.
 */
export const INSERT_TASK = `INSERT INTO tasks (id, ${TASK_COLUMNS.join(', ')})
VALUES (?, ${TASK_COLUMNS.map(() => '?').join(', ')})
ON CONFLICT (uuid) DO NOTHING`;

/**
 * One task's events of one write batch (migrations/sqlite/0080_event_log.sql, event-log.ts). A
 * task that has used up its 2^20 rows (a task sending progress events for weeks) appends to
 * its last row instead: both are JSON arrays, joined by dropping the `]` and the `[`.
 */
export const INSERT_EVENT_LOG = `INSERT INTO task_event_log (key, events) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET events = substr(events, 1, length(events) - 1) || ',' || substr(excluded.events, 2)`;
/** What is stored of a task's events already: the log rows (seq, events) of a task (its first key, then event-log.ts logRange), ... */
export const SELECT_EVENT_LOG = `SELECT key - ? AS seq, events FROM task_event_log WHERE key >= ? AND key < ?`;
/** ... and task_events of older versions. */
export const SELECT_OLD_EVENT_KEYS = 'SELECT timestamp, type, hostname, clock FROM task_events WHERE task_id = ?';

/** A stored task's id (tasks.id, see migration 0040), state and searched text (fts.ts FTS_COLUMNS). */
export const SELECT_TASK_TEXT = `SELECT id, state, ${FTS_COLUMNS} FROM tasks WHERE uuid = ?`;

/** Adds a batch's change to the tasks of one state (migrations/sqlite/0090_counts_by_writer.sql). */
export const COUNT_STATE = 'INSERT INTO task_counts (state, n) VALUES (?, ?) ON CONFLICT (state) DO UPDATE SET n = n + excluded.n';
export const MAX_TASK_ROWID = 'SELECT max(rowid) FROM tasks';

export const WORKER_COLUMNS = [
  'hostname', 'status', 'freq', 'pid', 'clock', 'active', 'processed', 'loadavg', 'sw_ident', 'sw_ver', 'sw_sys',
  'last_heartbeat', 'last_event', 'online_at', 'offline_at', 'first_seen',
] as const;

export const UPSERT_WORKER = `INSERT INTO workers (${WORKER_COLUMNS.join(', ')})
VALUES (${WORKER_COLUMNS.map((c) => `@${c}`).join(', ')})
ON CONFLICT (hostname) DO UPDATE SET
  ${WORKER_COLUMNS.filter((c) => c !== 'hostname' && c !== 'first_seen').map((c) => `${c} = excluded.${c}`).join(',\n  ')},
  first_seen = min(workers.first_seen, excluded.first_seen)`;

/** Widens a block's newest seen_at (migrations/sqlite/0130_task_blocks.sql) with rows just inserted. */
export const UPSERT_TASK_BLOCK = `INSERT INTO task_blocks (block, max_seen_at) VALUES (?, ?)
ON CONFLICT (block) DO UPDATE SET max_seen_at = max(max_seen_at, excluded.max_seen_at)`;

/** Rowids per block of task_blocks: 2^TASK_BLOCK_SHIFT (SQLite computes a block as rowid >> shift). */
export const TASK_BLOCK_SHIFT = 12;
export const TASK_BLOCK_ROWS = 1 << TASK_BLOCK_SHIFT;

/**
 * Recomputes the bounds of the blocks from the newest bounded one to the end of the table
 * (normally at most 4,096 rows; at writer start-up; all of them when the table is empty).
 */
export const HEAL_TASK_BLOCKS = `INSERT INTO task_blocks (block, max_seen_at)
SELECT rowid >> ${TASK_BLOCK_SHIFT}, max(seen_at) FROM tasks
WHERE rowid >= (SELECT coalesce(max(block), 0) << ${TASK_BLOCK_SHIFT} FROM task_blocks) GROUP BY rowid >> ${TASK_BLOCK_SHIFT}
ON CONFLICT (block) DO UPDATE SET max_seen_at = max(max_seen_at, excluded.max_seen_at)`;
