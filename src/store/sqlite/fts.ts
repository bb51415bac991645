import type Database from 'better-sqlite3';

/**
 * Applies the full-text notes left by the triggers of migrations/sqlite/0050_fts_batched.sql
 * to the FTS5 tables: removes what the index held for each noted row, indexes the row's
 * current text (if the row still exists), and clears the notes. Four statements per index,
 * whatever the number of rows, so FTS5 writes one segment per batch. Call it inside the
 * transaction that changed the tasks, so readers never see the index behind the table.
 */
export function ftsFlusher(db: Database.Database): () => void {
  const steps = [
    ['tasks_fts_call', 'fts_call_pending', ['uuid', 'name', 'args', 'kwargs']],
    ['tasks_fts_outcome', 'fts_outcome_pending', ['result', 'exception']],
  ].flatMap(([fts, pending, cols]) => {
    const c = (cols as string[]).join(', ');
    const tc = (cols as string[]).map((x) => `t.${x}`).join(', ');
    return [
      db.prepare(`SELECT EXISTS (SELECT 1 FROM ${pending as string})`).pluck(),
      db.prepare(`INSERT INTO ${fts as string} (${fts as string}, rowid, ${c}) SELECT 'delete', rowid, ${c} FROM ${pending as string} WHERE had = 1`),
      db.prepare(`INSERT INTO ${fts as string} (rowid, ${c}) SELECT t.rowid, ${tc} FROM ${pending as string} p JOIN tasks t ON t.rowid = p.rowid`),
      db.prepare(`DELETE FROM ${pending as string}`),
    ];
  });
  return () => {
    for (let i = 0; i < steps.length; i += 4) {
      if (!steps[i]!.get()) continue;
      steps[i + 1]!.run();
      steps[i + 2]!.run();
      steps[i + 3]!.run();
    }
  };
}
