import type Database from 'better-sqlite3';
import type { MergeKey, MergeWalk } from '../query/sql.js';

/**
 * Merges sorted runs of `[key, sort value]` rows (sql.ts MergeWalk: one range of
 * tasks_name_runtime per task name) into the first `limit` keys in sort order, ties by key in
 * the same direction. One iterator per run under a binary heap, so about `limit + runs` rows
 * are read in all. SQLite's own merge of a compound SELECT passes each row through every
 * earlier term (a chain: 18 ms for 2,080 rows of 41 runs at 10 M tasks, against 0.75 ms for
 * one index), hence this. A statement can be iterated only once at a time: `statement(sql, i)`
 * gives the i-th statement of a text.
 */
export function mergeRuns(m: MergeWalk, statement: (sql: string, i: number) => Database.Statement): { keys: number[]; lastSort: number | null } {
  const seen = new Map<string, number>();
  const its: IterableIterator<unknown[]>[] = [];
  // heap of run indexes, ordered by each run's current row
  const keys: number[] = [];
  const sorts: number[] = [];
  const heap: number[] = [];
  const sign = m.desc ? -1 : 1;
  const before = (a: number, b: number) => {
    const d = sign * (sorts[a]! - sorts[b]!);
    return d < 0 || (d === 0 && sign * (keys[a]! - keys[b]!) < 0);
  };
  const advance = (r: number): boolean => {
    const next = its[r]!.next();
    if (next.done) return false;
    keys[r] = next.value[0] as number;
    sorts[r] = next.value[1] as number;
    return true;
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) return;
      const c = l + 1 < heap.length && before(heap[l + 1]!, heap[l]!) ? l + 1 : l;
      if (!before(heap[c]!, heap[i]!)) return;
      const r = heap[c]!;
      heap[c] = heap[i]!;
      heap[i] = r;
      i = c;
    }
  };
  const out: number[] = [];
  let lastSort: number | null = null;
  try {
    for (const run of m.runs) {
      const n = seen.get(run.sql) ?? 0;
      seen.set(run.sql, n + 1);
      const r = its.length;
      its.push(statement(run.sql, n).raw().iterate(...run.params) as IterableIterator<unknown[]>);
      if (advance(r)) heap.push(r);
    }
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    while (out.length < m.limit && heap.length > 0) {
      const r = heap[0]!;
      out.push(keys[r]!);
      lastSort = sorts[r]!;
      if (!advance(r)) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      down(0);
    }
  } finally {
    for (const it of its) it.return?.();
  }
  return { keys: out, lastSort };
}

/** A merged walk's round (sort-walk.ts): the page's rows among its keys, how many keys it had, and the last one. */
export interface MergedPage {
  rows: Record<string, unknown>[];
  reach: number;
  /** The last key walked and its sort value (where the next round goes on), null if none. */
  last: MergeKey | null;
}

/**
 * Merges `m` (mergeRuns), then reads the page statement over its keys (bound first, as a JSON
 * array): one request to the reader thread per round instead of two.
 */
export function mergedPage(
  m: MergeWalk, sql: string, params: unknown[],
  statement: (sql: string, i: number) => Database.Statement, page: (sql: string) => Database.Statement,
): MergedPage {
  const { keys, lastSort } = mergeRuns(m, statement);
  const rows = page(sql).all(JSON.stringify(keys), ...params) as Record<string, unknown>[];
  return { rows, reach: keys.length, last: keys.length > 0 ? [lastSort!, keys[keys.length - 1]!] : null };
}

/** The names in tasks_name_runtime, one seek each (a skip-scan), as a JSON array in `j`. */
export const RUNTIME_NAMES = `WITH RECURSIVE n(v) AS (
  SELECT (SELECT name FROM tasks INDEXED BY tasks_name_runtime WHERE name IS NOT NULL AND runtime IS NOT NULL ORDER BY name LIMIT 1)
  UNION ALL
  SELECT (SELECT name FROM tasks INDEXED BY tasks_name_runtime WHERE name > n.v AND runtime IS NOT NULL ORDER BY name LIMIT 1) FROM n WHERE n.v IS NOT NULL
) SELECT json_group_array(v) AS j FROM n WHERE v IS NOT NULL`;

/** The runs of a runtime merge (sql.ts Dialect.runtimeNames): RUNTIME_NAMES' names, and null for tasks without one. */
export function runtimeNamesOf(j: string | undefined): (string | null)[] {
  return [...(JSON.parse(j ?? '[]') as string[]), null];
}

/**
 * Statements by text, several per text (mergeRuns iterates one per run at once): up to
 * `maxTexts` texts of up to `perText` statements each are kept (one per task name); past that a
 * statement is prepared for the one merge and left to the garbage collector.
 */
export class StatementPool {
  private readonly pool = new Map<string, Database.Statement[]>();

  constructor(private readonly db: Database.Database, private readonly maxTexts = 64, private readonly perText = 512) {}

  get(sql: string, i: number): Database.Statement {
    if (i >= this.perText) return this.db.prepare(sql);
    let list = this.pool.get(sql);
    if (!list) {
      if (this.pool.size >= this.maxTexts) this.pool.clear();
      list = [];
      this.pool.set(sql, list);
    }
    while (list.length <= i) list.push(this.db.prepare(sql));
    return list[i]!;
  }
}
