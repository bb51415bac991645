import type Database from 'better-sqlite3';

/**
 * Keeps the FTS5 trigram indexes of the tasks' text (migrations/sqlite/0002_fts.sql) in step
 * with the tasks table, written by the writer rather than by triggers (0050): every task has
 * one row in each index, holding the text the table holds.
 *
 * A task's text as the writer sees it: [rowid, uuid, name, args, kwargs, result, exception]
 * (FTS_COLUMNS, in this order). The call index holds name, args and kwargs (0110: not the
 * uuid, which a search matches by prefix through the primary key), the outcome index result
 * and exception. The writer reads it before its upsert and gets it back from
 * the upsert, and `FtsBatch` writes only the differences, in a few set-based statements per
 * transaction: FTS5 writes a segment at every statement, so one statement per task would
 * make a segment per task.
 */
export const FTS_COLUMNS = 'rowid, uuid, name, args, kwargs, result, exception';
export type TextRow = unknown[];

/** The positions in a TextRow of what each index holds (the call index has no uuid since 0110). */
const CALL = [2, 3, 4] as const;
const OUTCOME = [5, 6] as const;

function differs(a: TextRow, b: TextRow, idx: readonly number[]): boolean {
  for (const i of idx) if (a[i] !== b[i]) return true;
  return false;
}

export interface FtsBatch {
  /** A task written in this transaction: its text before (null: it is new) and after. */
  changed(before: TextRow | null, after: TextRow): void;
  /**
   * Every task with a rowid above `rowid` is new in this transaction (new rows are appended):
   * their text is read back from the table, with one statement per index and no staging.
   */
  insertedAfter(rowid: number): void;
  /** A task deleted in this transaction, with the text it had. */
  deleted(before: TextRow): void;
  /** Writes the differences to the indexes; call before the transaction commits. */
  apply(): void;
}

export function ftsWriter(db: Database.Database): () => FtsBatch {
  // Staging tables on this connection (in memory with temp_store = MEMORY): filled one row at
  // a time (cheap B-tree inserts, no FTS work), then moved into the indexes by one statement
  // each. Text goes in as bound parameters, never through JSON, so it reaches the index byte
  // for byte as the table holds it (NUL included).
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS fts_call_old (rowid INTEGER PRIMARY KEY, name, args, kwargs);
    CREATE TEMP TABLE IF NOT EXISTS fts_outcome_old (rowid INTEGER PRIMARY KEY, result, exception);
    CREATE TEMP TABLE IF NOT EXISTS fts_call_new (rowid INTEGER PRIMARY KEY);
    CREATE TEMP TABLE IF NOT EXISTS fts_outcome_new (rowid INTEGER PRIMARY KEY);`);
  const stage = {
    callOld: db.prepare('INSERT OR REPLACE INTO temp.fts_call_old VALUES (?, ?, ?, ?)'),
    outOld: db.prepare('INSERT OR REPLACE INTO temp.fts_outcome_old VALUES (?, ?, ?)'),
    callNew: db.prepare('INSERT OR IGNORE INTO temp.fts_call_new VALUES (?)'),
    outNew: db.prepare('INSERT OR IGNORE INTO temp.fts_outcome_new VALUES (?)'),
  };
  const fresh = [
    'INSERT INTO tasks_fts_call (rowid, name, args, kwargs) SELECT rowid, name, args, kwargs FROM tasks WHERE rowid > ?',
    'INSERT INTO tasks_fts_outcome (rowid, result, exception) SELECT rowid, result, exception FROM tasks WHERE rowid > ?',
  ].map((sql) => db.prepare(sql));
  const move = [
    "INSERT INTO tasks_fts_call (tasks_fts_call, rowid, name, args, kwargs) SELECT 'delete', rowid, name, args, kwargs FROM temp.fts_call_old",
    "INSERT INTO tasks_fts_outcome (tasks_fts_outcome, rowid, result, exception) SELECT 'delete', rowid, result, exception FROM temp.fts_outcome_old",
    'INSERT INTO tasks_fts_call (rowid, name, args, kwargs) SELECT t.rowid, t.name, t.args, t.kwargs FROM temp.fts_call_new n JOIN tasks t ON t.rowid = n.rowid',
    'INSERT INTO tasks_fts_outcome (rowid, result, exception) SELECT t.rowid, t.result, t.exception FROM temp.fts_outcome_new n JOIN tasks t ON t.rowid = n.rowid',
    'DELETE FROM temp.fts_call_old',
    'DELETE FROM temp.fts_outcome_old',
    'DELETE FROM temp.fts_call_new',
    'DELETE FROM temp.fts_outcome_new',
  ].map((sql) => db.prepare(sql));
  const oldCall = (r: TextRow) => stage.callOld.run(r[0], r[2], r[3], r[4]);
  const oldOutcome = (r: TextRow) => stage.outOld.run(r[0], r[5], r[6]);
  return () => {
    let staged = 0;
    let newAfter: number | null = null;
    return {
      insertedAfter(rowid) {
        newAfter = rowid;
      },
      changed(before, after) {
        if (!before) {
          stage.callNew.run(after[0]);
          stage.outNew.run(after[0]);
          staged++;
          return;
        }
        if (differs(before, after, CALL)) {
          oldCall(before);
          stage.callNew.run(after[0]);
          staged++;
        }
        if (differs(before, after, OUTCOME)) {
          oldOutcome(before);
          stage.outNew.run(after[0]);
          staged++;
        }
      },
      deleted(before) {
        oldCall(before);
        oldOutcome(before);
        staged++;
      },
      apply() {
        // Old entries out first, then the table's current text in (a deleted row joins nothing).
        if (staged > 0) for (const st of move) st.run();
        if (newAfter !== null) for (const st of fresh) st.run(newAfter);
      },
    };
  };
}
