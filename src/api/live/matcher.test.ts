import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveState } from '../../state/live.js';
import type { CeleryEvent, Task } from '../../state/types.js';
import { buildTaskQuery } from '../../store/query/sql.js';
import { foldTasks, rowToTask, taskValues } from '../../store/rows.js';
import { migrateSqlite } from '../../store/sqlite/migrate.js';
import { TASK_COLUMNS, UPSERT_TASK } from '../../store/sqlite/statements.js';
import { taskQueryFromParams } from '../v1.routes.js';
import { compileTaskFilter, globRegExp } from './matcher.js';

const ev = (over: Partial<CeleryEvent> & { type: string; uuid: string }): CeleryEvent => ({ hostname: 'w1@host', timestamp: 1000, clock: 1, ...over });

/** A small cluster history: every filter below must pick the same tasks as the store's SQL. */
function makeEvents(): CeleryEvent[] {
  const out: CeleryEvent[] = [];
  const names = ['billing.charge', 'billing.refund', 'mail.send', 'Report.Build'];
  for (let i = 0; i < 40; i++) {
    const uuid = `task-${String(i).padStart(3, '0')}`;
    const name = names[i % names.length]!;
    const host = i % 3 === 0 ? 'w1@host' : 'w2@other';
    const t0 = 1000 + i;
    out.push(ev({ type: 'task-received', uuid, name, hostname: host, timestamp: t0, args: `['acme-${i}', ${i}]`, kwargs: i % 5 === 0 ? "{'customer': 'ACME Corp'}" : '{}', queue: i % 2 ? 'celery' : 'priority', root_id: i > 20 ? 'task-020' : null, parent_id: i > 30 ? 'task-030' : null, retries: i % 7 === 0 ? 2 : 0 }));
    if (i % 4 === 3) continue; // stays RECEIVED
    out.push(ev({ type: 'task-started', uuid, hostname: host, timestamp: t0 + 0.5 }));
    if (i % 4 === 2) continue; // stays STARTED
    if (i % 5 === 0) out.push(ev({ type: 'task-failed', uuid, hostname: host, timestamp: t0 + 1 + i / 10, exception: i % 10 === 0 ? "ValueError('bad <acme>')" : "KeyError('k')", traceback: 'Traceback (most recent call last):\n  boom', runtime: i / 10 }));
    else out.push(ev({ type: 'task-succeeded', uuid, hostname: host, timestamp: t0 + 1 + i / 10, result: `'ok-${i}'`, runtime: i / 10 }));
  }
  return out;
}

const QUERIES: Record<string, string>[] = [
  {},
  { state: 'FAILURE' },
  { state: 'SUCCESS,STARTED' },
  { name: 'billing.*' },
  { name: 'billing.charge,mail.send' },
  { name: 'report.*' },
  { worker: 'w2@*' },
  { queue: 'priority' },
  { exception_type: 'ValueError' },
  { root_id: 'task-020' },
  { parent_id: 'task-030' },
  { received_from: '1010', received_to: '1020' },
  { started_from: '1030' },
  { finished_to: '1012' },
  { runtime_min: '1', runtime_max: '3' },
  { retries_min: '1' },
  { q: '"acme CORP"' },
  { q: 'args:"acme-1"' },
  { q: 'kwargs:"acme corp"' },
  { q: 'state:FAILURE name:billing.*' },
  { q: '-state:SUCCESS' },
  { q: '-worker:w1@*' },
  { q: 'exception:"<acme>"' },
  { q: 'traceback:boom' },
  { q: 'runtime:>1.5' },
  { q: 'runtime:<=0.5 -name:mail.*' },
  { q: 'retries:2' },
  { q: 'exc:KeyError,ValueError' },
  { q: '-exc:KeyError' },
  { q: 'uuid:task-007' },
  { q: 'ok-3' },
  { q: 'task-00' },
  { q: 'TASK-01' },
  { q: 'ask-007' },
  { state: 'SUCCESS', q: 'name:billing.* args:acme' },
];

describe('compileTaskFilter', () => {
  // The store's own schema and the SQL it runs for a task list (store/query/sql.ts), on an
  // in-memory SQLite database: the matcher must pick exactly the rows that SQL picks.
  let db: Database.Database;
  let tasks: Task[];
  const storeAnswer = (q: ReturnType<typeof taskQueryFromParams>) => {
    // sql.ts's own LIKE conditions (no full-text index here)
    const { sql, params } = buildTaskQuery(q, { placeholder: () => '?', ilike: 'LIKE' });
    return (db.prepare(sql).all(...params) as Record<string, unknown>[]).map(rowToTask);
  };

  beforeAll(() => {
    db = new Database(':memory:');
    migrateSqlite(db);
    const events = makeEvents();
    const upsert = db.prepare(UPSERT_TASK);
    let id = 1;
    for (const t of foldTasks(events, (x) => x).values()) upsert.run(taskValues(t, id++, TASK_COLUMNS));
    const state = new LiveState({ finishedCacheSize: 1000 });
    const seen = new Map<string, Task>();
    state.subscribe({ task: (t) => seen.set(t.uuid, t) });
    for (const e of events) state.apply(e);
    tasks = [...seen.values()];
  });

  afterAll(() => db.close());

  for (const params of QUERIES) {
    it(`agrees with the store for ${JSON.stringify(params)}`, () => {
      const q = taskQueryFromParams({ ...params, limit: '1000' });
      const fromStore = storeAnswer(q).map((t) => t.uuid).sort();
      const match = compileTaskFilter(q);
      const inMemory = tasks.filter(match).map((t) => t.uuid).sort();
      expect(inMemory).toEqual(fromStore);
      if (Object.keys(params).length > 0) expect(inMemory.length).toBeLessThan(tasks.length);
    });
  }

  it('compiles globs safely', () => {
    expect(globRegExp('a.b*').test('a.bc')).toBe(true);
    expect(globRegExp('a.b*').test('axbc')).toBe(false);
    expect(globRegExp('(x)*[y]').test('(x)zz[y]')).toBe(true);
  });
});
