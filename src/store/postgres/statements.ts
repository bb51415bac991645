/**
 * The PostgreSQL statements of the write path. Whole batches go in as one JSON parameter
 * (json_populate_recordset), so a batch of thousands of events is three round trips in one
 * transaction, never one per event.
 *
 * The task upsert is the SQL twin of state/merge.ts `applyTaskEvent`, written exactly like
 * the SQLite one (sqlite/statements.ts): the incoming row replaces state/rank/timestamp only
 * when `replacesState` says so (rank, or the newer timestamp when either side is RETRY),
 * time columns keep their maximum (GREATEST ignores NULLs like the SQLite CASE), seen_at its
 * minimum, worker/exception/traceback follow the winning event, the client is the original
 * sender's ($2 lists the tasks whose original task-sent is in the batch), and the other
 * fields take the newest non-null value; the latest orphaning wins. The SET clause itself is
 * the SQLite statements' `taskMergeSet`.
 */
import { TASK_COLUMNS, taskMergeSet, WORKER_COLUMNS } from '../sqlite/statements.js';

export { TASK_COLUMNS, WORKER_COLUMNS };

/** Inserts events, skipping ones already stored; returns the identity of those inserted. */
export const INSERT_EVENTS = `INSERT INTO task_events (uuid, timestamp, type, hostname, clock, data)
SELECT uuid, timestamp, type, hostname, clock, data FROM json_populate_recordset(NULL::task_events, $1::json)
ON CONFLICT DO NOTHING
RETURNING uuid, timestamp, type, hostname, clock`;

const maxOf = (c: string) => `${c} = GREATEST(tasks.${c}, excluded.${c})`;

/** Upserts the batch's tasks: $1 the rows, $2 the uuids whose original task-sent is in the batch. */
export const UPSERT_TASKS = `INSERT INTO tasks (${TASK_COLUMNS.join(', ')})
SELECT ${TASK_COLUMNS.join(', ')} FROM json_populate_recordset(NULL::tasks, $1::json)
ON CONFLICT (uuid) DO UPDATE SET
  ${taskMergeSet({ maxOf, greatest: 'GREATEST', least: 'LEAST', originalSend: 'excluded.uuid = ANY($2::text[])' })}`;

/**
 * Refreshes the search text (task_search) of the given tasks: those whose batch carried a text
 * field, since text changes only then. Only rows whose text changed are written: an unchanged
 * one costs a lookup, not a GIN insert.
 */
export const REFRESH_SEARCH = `INSERT INTO task_search (uuid, text)
SELECT uuid, task_search_text(uuid, name, args, kwargs, result, exception) FROM tasks WHERE uuid = ANY($1::text[])
ORDER BY uuid
ON CONFLICT (uuid) DO UPDATE SET text = excluded.text WHERE task_search.text IS DISTINCT FROM excluded.text`;

export const UPSERT_WORKERS = `INSERT INTO workers (${WORKER_COLUMNS.join(', ')})
SELECT ${WORKER_COLUMNS.join(', ')} FROM json_populate_recordset(NULL::workers, $1::json)
ON CONFLICT (hostname) DO UPDATE SET
  ${WORKER_COLUMNS.filter((c) => c !== 'hostname' && c !== 'first_seen').map((c) => `${c} = excluded.${c}`).join(',\n  ')},
  first_seen = LEAST(workers.first_seen, excluded.first_seen)`;

