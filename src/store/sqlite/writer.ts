import Database from 'better-sqlite3';
import type { Worker as WorkerState } from '../../state/types.js';
import { cutter, taskValues, workerParams } from '../rows.js';
import type { RetentionPolicy, RetentionResult } from '../retention.js';
import { addEvent, BatchDecoder, dropStored, newTask, RecentTasks, seen, type BatchTask } from './batch.js';
import { StateCounts } from './counts.js';
import { eventKey, LOG_ROWS_PER_TASK, logRange, storedText } from './event-log.js';
import { ftsWriter } from './fts.js';
import { configureConnection } from './pragmas.js';
import { runSqliteRetention } from './retention.js';
import {
  COUNT_STATE, INSERT_EVENT_LOG, INSERT_TASK, MAX_TASK_ROWID, SELECT_EVENT_LOG, SELECT_OLD_EVENT_KEYS, SELECT_TASK_TEXT, TASK_BLOCK_ROWS, TASK_COLUMNS,
  HEAL_TASK_BLOCKS, UPSERT_TASK, UPSERT_TASK_BLOCK, UPSERT_WORKER,
} from './statements.js';

export interface WriterInit {
  path: string;
  maxEventBytes: number;
  maxFieldBytes: number;
  /** Keep SQLite's own checkpoints on this connection (no checkpoint thread, e.g. in-process). */
  checkpointHere?: boolean;
  /** WAL pages past which this connection checkpoints itself (default 65,536: 256 MB; tests use fewer). */
  walCheckpointPages?: number;
  /** Extra PRAGMA statements for this connection (experiments: bench/writer-micro.ts). */
  pragmas?: string[];
}

export interface SqliteWriter {
  /** Writes one batch in one transaction; returns the task events newly stored and the duplicates. */
  write(payloads: string[], workers: WorkerState[]): { inserted: number; duplicates: number };
  /** Other writes of the store (audit log, retry links), here so the event loop never waits for the lock. */
  run(sql: string, params: unknown[]): void;
  retention(policy: RetentionPolicy, now: number): RetentionResult;
  close(): void;
}

/** WAL pages past which the writer checkpoints itself (256 MB of 4 KB pages; see openWriter). */
const WAL_CHECKPOINT_PAGES = 65536;

/** A log row's events: a JSON array of their texts. */
const joinTexts = (texts: string[]) => (texts.length === 1 ? `[${texts[0]}]` : `[${texts.join(',')}]`);

/** The write path of the SQLite store (run on the writer thread; also usable in-process by the benchmark). */
export function openWriter(init: WriterInit): SqliteWriter {
  const db = new Database(init.path);
  configureConnection(db, 32);
  // The checkpoint thread (checkpoint-thread.ts) copies the WAL into the database; this
  // connection steps in once the WAL passes 256 MB (under sustained ingest that thread's pass
  // never reaches the WAL's end, so the WAL is started over after this connection's own
  // checkpoint). When it is started over, its file is kept up to twice that (512 MB): cutting
  // it back (to 64 MB before) made every cycle grow the file again, and writing frames into
  // newly allocated blocks had the kernel zero them first (about a tenth of the write path's
  // time, docs/PERFORMANCE.md). A WAL that grew past that (a reader holding an old snapshot
  // for long) is still cut back to it.
  if (!init.checkpointHere) {
    const pages = init.walCheckpointPages ?? WAL_CHECKPOINT_PAGES;
    db.pragma(`wal_autocheckpoint = ${pages}`);
    db.pragma(`journal_size_limit = ${2 * pages * (db.pragma('page_size', { simple: true }) as number)}`);
  }
  for (const p of init.pragmas ?? []) db.pragma(p);
  const upsertTask = db.prepare(UPSERT_TASK).raw();
  const insertTask = db.prepare(INSERT_TASK);
  const insertLog = db.prepare(INSERT_EVENT_LOG);
  const selectLog = db.prepare(SELECT_EVENT_LOG).raw();
  const selectOldKeys = db.prepare(SELECT_OLD_EVENT_KEYS);
  const upsertWorker = db.prepare(UPSERT_WORKER);
  const selectTask = db.prepare(SELECT_TASK_TEXT).raw();
  const maxRowid = db.prepare(MAX_TASK_ROWID).pluck();
  const upsertBlock = db.prepare(UPSERT_TASK_BLOCK);
  // Rows a writer without task_blocks (a Celeriac before 0130, run after it on this file) added
  // at the end: their blocks' bounds, from the start of the newest bounded block on.
  db.exec(HEAL_TASK_BLOCKS);
  const ftsBatch = ftsWriter(db);
  // the stored-event counter of migrations/sqlite/0070_counts.sql, and tasks per state (0090)
  const countEvents = db.prepare('UPDATE event_count SET n = n + ?');
  const countState = db.prepare(COUNT_STATE);
  let nextId = 1;
  const cut = cutter(init.maxFieldBytes);
  const decoded = new BatchDecoder(init.maxEventBytes);

  const recent = new RecentTasks(65536);

  /**
   * Makes `t` the stored task `row`: its id, state and text before this batch, the seq of its
   * next log row, and the identities of its stored events (returned).
   */
  const loadStored = (t: BatchTask, row: unknown[]): Set<string> => {
    const id = (row[0] as number | null) ?? t.id;
    const keys = new Set<string>();
    let seq = 0;
    for (const [s, text] of selectLog.iterate(id * LOG_ROWS_PER_TASK, ...logRange(id)) as IterableIterator<[number, string]>) {
      if (s >= seq) seq = s + 1;
      for (const ev of JSON.parse(text) as Record<string, unknown>[]) keys.add(eventKey(ev));
    }
    for (const r of selectOldKeys.iterate(id) as IterableIterator<Record<string, unknown>>) keys.add(eventKey(r));
    t.id = id;
    t.state = row[1] as string;
    t.before = row.slice(2);
    t.seq = seq;
    return keys;
  };

  const writeBatch = db.transaction((payloads: string[], workers: WorkerState[]) => {
    // Each task's id: the stored one, or the next number (new tasks get increasing ids, so the
    // event log, keyed by task id, grows at its end).
    const top = (maxRowid.get() as number | null) ?? 0;
    if (top >= nextId) nextId = top + 1;
    const tasks = new Map<string, BatchTask>();
    let fresh = 0;
    let duplicates = 0;
    // One payload at a time: a decoded event is folded into its task and dropped (only its
    // identity and text are kept), so it dies young instead of being copied by every scavenge
    // of the batch (the writer's GC was 18 % of its thread at 50,000/s).
    decoded.forEach(payloads, (ev, raw) => {
      const uuid = ev.uuid!;
      let t = tasks.get(uuid);
      if (!t) {
        t = newTask(nextId++);
        // Written lately: look it up now. Otherwise it is most likely new (see RecentTasks).
        if (recent.has(uuid)) {
          const row = selectTask.get(uuid) as unknown[] | undefined;
          if (row) t.stored = loadStored(t, row);
        }
        tasks.set(uuid, t);
      }
      if (seen(t, ev)) {
        duplicates++;
        return;
      }
      addEvent(t, ev, storedText(ev, raw, init.maxFieldBytes, cut), cut);
      fresh++;
    });
    const fts = ftsBatch();
    fts.insertedAfter(top);
    const states = new StateCounts();
    // New rows get rowids top + 1, top + 2, … in insertion order (SQLite: max(rowid) + 1); the
    // newest seen_at of each block they fall in goes to task_blocks (0130).
    let inserted = 0;
    let block = -1;
    let blockMax = 0;
    for (const [uuid, t] of tasks) {
      if (t.folded === null) continue;
      recent.add(uuid);
      if (t.before === null) {
        if (insertTask.run(taskValues(t.folded, t.id, TASK_COLUMNS, true)).changes === 1) {
          // New: its state and text are what it binds (the index reads new rows back, fts.ts).
          states.add(t.folded.task.state, 1);
          const b = Math.floor((top + ++inserted) / TASK_BLOCK_ROWS);
          const seenAt = t.folded.task.seen_at;
          if (b !== block) {
            if (block >= 0) upsertBlock.run(block, blockMax);
            block = b;
            blockMax = seenAt;
          } else if (seenAt > blockMax) blockMax = seenAt;
          insertLog.run(t.id * LOG_ROWS_PER_TASK, joinTexts(t.texts));
          continue;
        }
        // Stored after all: keep only the events it does not have, then merge as below.
        const dropped = dropStored(t, loadStored(t, selectTask.get(uuid) as unknown[]), cut, decoded);
        duplicates += dropped;
        fresh -= dropped;
        if (t.folded === null) continue;
      }
      insertLog.run(t.id * LOG_ROWS_PER_TASK + Math.min(t.seq, LOG_ROWS_PER_TASK - 1), joinTexts(t.texts));
      const after = upsertTask.get(taskValues(t.folded, t.id, TASK_COLUMNS)) as unknown[];
      fts.changed(t.before, after.slice(1));
      if (after[0] !== t.state) {
        states.add(t.state!, -1);
        states.add(after[0] as string, 1);
      }
    }
    if (block >= 0) upsertBlock.run(block, blockMax);
    for (const w of workers) upsertWorker.run(workerParams(w));
    fts.apply();
    states.write(countState);
    if (fresh > 0) countEvents.run(fresh);
    return { inserted: fresh, duplicates };
  });

  return {
    // IMMEDIATE: the batch reads (task ids, stored events) before it writes; a deferred
    // transaction would then fail with SQLITE_BUSY when another process (a second instance)
    // committed in between.
    write: (payloads, workers) => writeBatch.immediate(payloads, workers),
    retention: (policy, now) => runSqliteRetention(db, policy, now, ftsBatch),
    run(sql, params) {
      db.prepare(sql).run(...params);
    },
    close() {
      db.pragma('optimize');
      db.close();
    },
  };
}

