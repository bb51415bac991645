import Database from 'better-sqlite3';
import type { Worker as WorkerState } from '../../state/types.js';
import { decodePayload, type DecodeSink } from '../../ingest/decode.js';
import type { CeleryEvent } from '../../state/types.js';
import { applyTaskEvent, emptyTask, isOriginalSend } from '../../state/merge.js';
import { cutter, taskValues, workerParams, type FoldedTask } from '../rows.js';
import type { RetentionPolicy, RetentionResult } from '../retention.js';
import { StateCounts } from './counts.js';
import { eventKey, LOG_ROWS_PER_TASK, logRange, splitJsonArray, storedText } from './event-log.js';
import { ftsWriter, type TextRow } from './fts.js';
import { configureConnection } from './pragmas.js';
import { runSqliteRetention } from './retention.js';
import {
  COUNT_STATE, INSERT_EVENT_LOG, INSERT_TASK, MAX_TASK_ROWID, SELECT_EVENT_LOG, SELECT_OLD_EVENT_KEYS, SELECT_TASK_TEXT, TASK_COLUMNS, UPSERT_TASK, UPSERT_WORKER,
} from './statements.js';

export interface WriterInit {
  path: string;
  maxEventBytes: number;
  maxFieldBytes: number;
  /** Keep SQLite's own checkpoints on this connection (no checkpoint thread, e.g. in-process). */
  checkpointHere?: boolean;
}

export interface SqliteWriter {
  /** Writes one batch in one transaction; returns the task events newly stored and the duplicates. */
  write(payloads: string[], workers: WorkerState[]): { inserted: number; duplicates: number };
  /** Other writes of the store (audit log, retry links), here so the event loop never waits for the lock. */
  run(sql: string, params: unknown[]): void;
  retention(policy: RetentionPolicy, now: number): RetentionResult;
  close(): void;
}

/** A task of the batch being written. */
interface BatchTask {
  id: number;
  /** Its searched text before this batch (fts.ts TextRow), null if it is new. */
  before: TextRow | null;
  /** Its state before this batch (null if it is new). */
  state: string | null;
  /** The seq of its next event-log row. */
  seq: number;
  /** The stored texts of its events new in this batch, in arrival order. */
  texts: string[];
  /** Its events new in this batch not yet in `stored` (for duplicates), folded into `folded` (made at the first). */
  evs: CeleryEvent[];
  folded: FoldedTask | null;
  /** Identities (eventKey) of its events stored before this batch, and of this batch's past the first 16. */
  stored: Set<string> | null;
}

/** A task's fold for this batch: its events merged as the live model does (state/merge.ts). */
const newFold = (uuid: string, ts: number): FoldedTask => ({ task: emptyTask(uuid, ts), originalSend: false });

/** Whether `ev` is an event already in `t` (stored, or earlier in this batch). */
function seen(t: BatchTask, ev: CeleryEvent): boolean {
  if (t.stored !== null && t.stored.has(eventKey(ev))) return true;
  // Few events per task per batch: compare identities directly (no key strings); a task with
  // very many switches to a set.
  const evs = t.evs;
  if (evs.length >= 16) {
    const keys = (t.stored ??= new Set());
    for (const e of evs) keys.add(eventKey(e));
    evs.length = 0;
    return keys.has(eventKey(ev));
  }
  const clock = typeof ev.clock === 'number' ? Math.trunc(ev.clock) : 0;
  for (const e of evs) {
    if (e.timestamp === ev.timestamp && e.type === ev.type && e.hostname === ev.hostname && (typeof e.clock === 'number' ? Math.trunc(e.clock) : 0) === clock) return true;
  }
  return false;
}

/** The write path of the SQLite store (run on the writer thread; also usable in-process by the benchmark). */
export function openWriter(init: WriterInit): SqliteWriter {
  const db = new Database(init.path);
  configureConnection(db, 32);
  // The checkpoint thread (checkpoint-thread.ts) copies the WAL into the database; this
  // connection only steps in if the WAL grows past 256 MB (that thread stopped, or a reader
  // holds an old snapshot for long). After the WAL is started over its file is cut to 64 MB.
  if (!init.checkpointHere) {
    db.pragma('wal_autocheckpoint = 65536');
    db.pragma('journal_size_limit = 67108864');
  }
  const upsertTask = db.prepare(UPSERT_TASK).raw();
  const insertTask = db.prepare(INSERT_TASK);
  const insertLog = db.prepare(INSERT_EVENT_LOG);
  const selectLog = db.prepare(SELECT_EVENT_LOG).raw();
  const selectOldKeys = db.prepare(SELECT_OLD_EVENT_KEYS);
  const upsertWorker = db.prepare(UPSERT_WORKER);
  const selectTask = db.prepare(SELECT_TASK_TEXT).raw();
  const maxRowid = db.prepare(MAX_TASK_ROWID).pluck();
  const ftsBatch = ftsWriter(db);
  // the stored-event counter of migrations/sqlite/0070_counts.sql, and tasks per state (0090)
  const countEvents = db.prepare('UPDATE event_count SET n = n + ?');
  const countState = db.prepare(COUNT_STATE);
  let nextId = 1;
  const cut = cutter(init.maxFieldBytes);
  const decoded = new BatchDecoder(init.maxEventBytes);

  /** A stored task, with the identities of its stored events and the seq of its next log row. */
  const storedTask = (row: unknown[]): BatchTask => {
    const id = (row[0] as number | null) ?? nextId++;
    const keys = new Set<string>();
    let seq = 0;
    for (const [s, text] of selectLog.iterate(id * LOG_ROWS_PER_TASK, ...logRange(id)) as IterableIterator<[number, string]>) {
      if (s >= seq) seq = s + 1;
      for (const ev of JSON.parse(text) as Record<string, unknown>[]) keys.add(eventKey(ev));
    }
    for (const r of selectOldKeys.iterate(id) as IterableIterator<Record<string, unknown>>) keys.add(eventKey(r));
    return { id, state: row[1] as string, before: row.slice(2), seq, texts: [], evs: [], folded: null, stored: keys };
  };

  const writeBatch = db.transaction((payloads: string[], workers: WorkerState[]) => {
    const { events, raws } = decoded.decode(payloads);
    // Each task's id: the stored one, or the next number (new tasks get increasing ids, so the
    // event log, keyed by task id, grows at its end).
    const top = (maxRowid.get() as number | null) ?? 0;
    if (top >= nextId) nextId = top + 1;
    const tasks = new Map<string, BatchTask>();
    let fresh = 0;
    let duplicates = 0;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      const uuid = ev.uuid!;
      let t = tasks.get(uuid);
      if (!t) {
        const row = selectTask.get(uuid) as unknown[] | undefined;
        t = row ? storedTask(row) : { id: nextId++, state: null, before: null, seq: 0, texts: [], evs: [], folded: null, stored: null };
        tasks.set(uuid, t);
      }
      if (seen(t, ev)) {
        duplicates++;
        continue;
      }
      t.evs.push(ev);
      t.texts.push(storedText(ev, raws[i] ?? null, init.maxFieldBytes, cut));
      const f = (t.folded ??= newFold(uuid, ev.timestamp));
      applyTaskEvent(f.task, ev, cut);
      if (isOriginalSend(ev)) f.originalSend = true;
      fresh++;
    }
    const fts = ftsBatch();
    fts.insertedAfter(top);
    const states = new StateCounts();
    for (const t of tasks.values()) {
      const f = t.folded;
      if (f === null) continue;
      insertLog.run(t.id * LOG_ROWS_PER_TASK + Math.min(t.seq, LOG_ROWS_PER_TASK - 1), t.texts.length === 1 ? `[${t.texts[0]}]` : `[${t.texts.join(',')}]`);
      if (t.before === null) {
        // New: its state and text are what it binds (the index reads new rows back, fts.ts).
        insertTask.run(taskValues(f, t.id, TASK_COLUMNS, true));
        states.add(f.task.state, 1);
      } else {
        const after = upsertTask.get(taskValues(f, t.id, TASK_COLUMNS)) as unknown[];
        fts.changed(t.before, after.slice(1));
        if (after[0] !== t.state) {
          states.add(t.state!, -1);
          states.add(after[0] as string, 1);
        }
      }
    }
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

/**
 * Decodes a batch's payloads into task events with the text each arrived in: the payload
 * itself for a lone event, its slice of the array for one of a `task.multi` (null when the
 * slices cannot be matched to the events, e.g. an array with invalid elements).
 */
class BatchDecoder {
  private readonly events: CeleryEvent[] = [];
  private readonly raws: (string | null)[] = [];
  /** Elements of the current payload seen so far (valid or not), and where its task events sit. */
  private elements = 0;
  private readonly positions: number[] = [];
  private readonly sink: DecodeSink;

  constructor(private readonly maxBytes: number) {
    this.sink = {
      event: (ev: CeleryEvent) => {
        if (ev.type.charCodeAt(0) === 116 /* t */) {
          this.events.push(ev);
          this.positions.push(this.elements);
        }
        this.elements++;
      },
      // Already counted by the ingest pipeline, which ran the same decoder; for an array it
      // is one element (decodePayload reports each bad element once, in order).
      malformed: () => {
        this.elements++;
      },
    };
  }

  decode(payloads: string[]): { events: CeleryEvent[]; raws: (string | null)[] } {
    this.events.length = 0;
    this.raws.length = 0;
    for (const p of payloads) {
      const from = this.events.length;
      this.elements = 0;
      this.positions.length = 0;
      decodePayload(p, this.maxBytes, this.sink);
      const n = this.events.length - from;
      if (n === 0) continue;
      const first = firstChar(p);
      if (first === 123 /* { */) this.raws.push(p);
      else {
        const parts = first === 91 /* [ */ ? splitJsonArray(p) : null;
        const whole = parts !== null && parts.length === this.elements;
        for (let k = 0; k < n; k++) this.raws.push(whole ? parts[this.positions[k]!]! : null);
      }
    }
    return { events: this.events, raws: this.raws };
  }
}

function firstChar(s: string): number {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 32) i++;
  return s.charCodeAt(i);
}
