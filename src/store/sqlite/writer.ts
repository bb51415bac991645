import Database from 'better-sqlite3';
import type { Worker as WorkerState } from '../../state/types.js';
import { cutter, decodeTaskEvents, eventRow, foldTasks, taskValues, workerParams } from '../rows.js';
import type { RetentionPolicy, RetentionResult } from '../retention.js';
import { ftsWriter, type TextRow } from './fts.js';
import { configureConnection } from './pragmas.js';
import { runSqliteRetention } from './retention.js';
import { INSERT_EVENT, MAX_TASK_ROWID, SELECT_TASK_TEXT, TASK_COLUMNS, UPSERT_TASK, UPSERT_WORKER } from './statements.js';

export interface WriterInit {
  path: string;
  maxEventBytes: number;
  maxFieldBytes: number;
}

export interface SqliteWriter {
  /** Writes one batch in one transaction; returns the task events newly stored and the duplicates. */
  write(payloads: string[], workers: WorkerState[]): { inserted: number; duplicates: number };
  retention(policy: RetentionPolicy, now: number): RetentionResult;
  close(): void;
}

/** The write path of the SQLite store (run on the writer thread; also usable in-process by the benchmark). */
export function openWriter(init: WriterInit): SqliteWriter {
  const db = new Database(init.path);
  configureConnection(db, 32);
  const insertEvent = db.prepare(INSERT_EVENT);
  const upsertTask = db.prepare(UPSERT_TASK).raw();
  const upsertWorker = db.prepare(UPSERT_WORKER);
  const selectTask = db.prepare(SELECT_TASK_TEXT).raw();
  const maxRowid = db.prepare(MAX_TASK_ROWID).pluck();
  const ftsBatch = ftsWriter(db);
  // the stored-event counter of migrations/sqlite/0070_counts.sql
  const countEvents = db.prepare('UPDATE event_count SET n = n + ?');
  let nextId = 1;
  const cut = cutter(init.maxFieldBytes);

  const writeBatch = db.transaction((payloads: string[], workers: WorkerState[]) => {
    const events = decodeTaskEvents(payloads, init.maxEventBytes);
    // Each task's id: the stored one, or the next number (new tasks get increasing ids, so the
    // event index by task_id grows at its end).
    const top = (maxRowid.get() as number | null) ?? 0;
    if (top >= nextId) nextId = top + 1;
    const ids = new Map<string, number>();
    // The searched text of each stored task before this batch, for the full-text index.
    const before = new Map<string, TextRow>();
    for (const ev of events) {
      const uuid = ev.uuid!;
      if (ids.has(uuid)) continue;
      const row = selectTask.get(uuid) as unknown[] | undefined;
      if (row) {
        ids.set(uuid, (row[0] as number | null) ?? nextId++);
        before.set(uuid, row.slice(1));
      } else ids.set(uuid, nextId++);
    }
    const fresh = [];
    let duplicates = 0;
    for (const ev of events) {
      const r = eventRow(ev, cut);
      if (insertEvent.run(ids.get(r.uuid), r.uuid, r.timestamp, r.type, r.hostname, r.clock, r.data).changes > 0) fresh.push(ev);
      else duplicates++;
    }
    const fts = ftsBatch();
    for (const f of foldTasks(fresh, cut).values()) {
      const uuid = f.task.uuid;
      const after = upsertTask.get(taskValues(f, ids.get(uuid)!, TASK_COLUMNS)) as TextRow;
      fts.changed(before.get(uuid) ?? null, after);
    }
    for (const w of workers) upsertWorker.run(workerParams(w));
    fts.apply();
    if (fresh.length > 0) countEvents.run(fresh.length);
    return { inserted: fresh.length, duplicates };
  });

  return {
    // IMMEDIATE: the batch reads (task ids) before it writes; a deferred transaction would then
    // fail with SQLITE_BUSY when another process (a second instance) committed in between.
    write: (payloads, workers) => writeBatch.immediate(payloads, workers),
    retention: (policy, now) => runSqliteRetention(db, policy, now, ftsBatch),
    close() {
      db.pragma('optimize');
      db.close();
    },
  };
}

