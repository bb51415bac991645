/**
 * The full-text half of a fresh history fill (fill.ts), on its own thread and in its own file:
 * generates the searched text of rows [from, to) with the fill's own SQL and indexes it into
 * the store's two FTS5 tables (same definitions), for fill.ts to copy into the store.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { createLookups, fillParams, fillTextSql, type FtsThreadInit } from './fill.js';

const init = workerData as FtsThreadInit;
const STEP = 500_000;
try {
  const t0 = performance.now();
  const db = new Database(init.path);
  db.unsafeMode(true); // journal_mode OFF is refused in defensive mode
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -500000');
  for (const sql of init.tables) db.exec(sql);
  for (const t of ['tasks_fts_call', 'tasks_fts_outcome']) db.exec(`INSERT INTO ${t} (${t}, rank) VALUES ('hashsize', ${Math.round(init.hashsize)})`);
  createLookups(db);
  db.exec('CREATE TEMP TABLE fill_text (rowid INTEGER PRIMARY KEY, name, args, kwargs, result, exception)');
  const gen = db.prepare(`INSERT INTO temp.fill_text ${fillTextSql()}`);
  const call = db.prepare('INSERT INTO tasks_fts_call (rowid, name, args, kwargs) SELECT rowid, name, args, kwargs FROM temp.fill_text');
  const outcome = db.prepare('INSERT INTO tasks_fts_outcome (rowid, result, exception) SELECT rowid, result, exception FROM temp.fill_text');
  const clear = db.prepare('DELETE FROM temp.fill_text');
  for (let i = init.from; i < init.to; i += STEP) {
    db.transaction(() => {
      gen.run(fillParams({ ...init, from: i, to: Math.min(init.to, i + STEP) }));
      call.run();
      outcome.run();
      clear.run();
    })();
  }
  // FTS5's default buffer again, as the store's writer expects (the value is stored in the table).
  for (const t of ['tasks_fts_call', 'tasks_fts_outcome']) db.exec(`INSERT INTO ${t} (${t}, rank) VALUES ('hashsize', 1048576)`);
  db.close();
  parentPort!.postMessage({ seconds: (performance.now() - t0) / 1000 });
} catch (err) {
  parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
