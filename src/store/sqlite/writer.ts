import Database from 'better-sqlite3';
import type { Worker as WorkerState } from '../../state/types.js';
import { exceptionType, rankOf } from '../../state/merge.js';
import type { Task } from '../../state/types.js';
import { cutter, decodeTaskEvents, eventRow, foldTasks, workerParams } from '../rows.js';
import { configureConnection } from './pragmas.js';
import { INSERT_EVENT, MAX_TASK_ROWID, SELECT_TASK_ID, TASK_COLUMNS, UPSERT_TASK, UPSERT_WORKER } from './statements.js';

export interface WriterInit {
  path: string;
  maxEventBytes: number;
  maxFieldBytes: number;
}

export interface SqliteWriter {
  /** Writes one batch in one transaction; returns the task events newly stored and the duplicates. */
  write(payloads: string[], workers: WorkerState[]): { inserted: number; duplicates: number };
  close(): void;
}

/** The write path of the SQLite store (run on the writer thread; also usable in-process by the benchmark). */
export function openWriter(init: WriterInit): SqliteWriter {
  const db = new Database(init.path);
  configureConnection(db, 32);
  const insertEvent = db.prepare(INSERT_EVENT);
  const upsertTask = db.prepare(UPSERT_TASK);
  const upsertWorker = db.prepare(UPSERT_WORKER);
  const selectTaskId = db.prepare(SELECT_TASK_ID).pluck();
  const maxRowid = db.prepare(MAX_TASK_ROWID).pluck();
  let nextId = 1;
  const cut = cutter(init.maxFieldBytes);

  const writeBatch = db.transaction((payloads: string[], workers: WorkerState[]) => {
    const events = decodeTaskEvents(payloads, init.maxEventBytes);
    // Each task's id: the stored one, or the next number (new tasks get increasing ids, so the
    // event index by task_id grows at its end).
    const top = (maxRowid.get() as number | null) ?? 0;
    if (top >= nextId) nextId = top + 1;
    const ids = new Map<string, number>();
    for (const ev of events) {
      const uuid = ev.uuid!;
      if (ids.has(uuid)) continue;
      const id = selectTaskId.get(uuid) as number | null | undefined;
      ids.set(uuid, id ?? nextId++);
    }
    const fresh = [];
    let duplicates = 0;
    for (const ev of events) {
      const r = eventRow(ev, cut);
      if (insertEvent.run(ids.get(r.uuid), r.uuid, r.timestamp, r.type, r.hostname, r.clock, r.data).changes > 0) fresh.push(ev);
      else duplicates++;
    }
    for (const t of foldTasks(fresh, cut).values()) upsertTask.run(taskValues(t, ids.get(t.uuid)!));
    for (const w of workers) upsertWorker.run(workerParams(w));
    return { inserted: fresh.length, duplicates };
  });

  return {
    write: (payloads, workers) => writeBatch(payloads, workers),
    close() {
      db.pragma('optimize');
      db.close();
    },
  };
}

const bool01 = (v: boolean | null) => (v === null ? null : v ? 1 : 0);
/** How each column's value is read from a task (the same conversions as rows.ts taskParams). */
const GETTERS: ((t: Task) => unknown)[] = TASK_COLUMNS.map((c) => {
  switch (c) {
    case 'rank':
      return (t: Task) => rankOf(t.state);
    case 'exception_type':
      return (t: Task) => exceptionType(t.exception);
    case 'terminated':
    case 'expired':
    case 'requeue':
      return (t: Task) => bool01(t[c]);
    default:
      return (t: Task) => t[c];
  }
});

/** The task upsert's positional parameters: id, then TASK_COLUMNS in order. */
function taskValues(t: Task, id: number): unknown[] {
  const out: unknown[] = new Array(GETTERS.length + 1);
  out[0] = id;
  for (let i = 0; i < GETTERS.length; i++) out[i + 1] = GETTERS[i]!(t);
  return out;
}
