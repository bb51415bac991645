import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Worker as Thread } from 'node:worker_threads';
import { AppError, describeError } from '../../shared/errors.js';
import type { Task, Worker } from '../../state/types.js';
import { buildSortWalk, buildTaskQuery, walksRuntimeNames, type MergeWalk } from '../query/sql.js';
import { NO_RETENTION, retentionEnabled, type RetentionPolicy, type RetentionResult } from '../retention.js';
import { rowToTask, rowToWorker } from '../rows.js';
import { auditRow } from '../rows-audit.js';
import type { AuditEntry, AuditQuery, Store, StoreCounts, TaskLinks, StoredEvent, TaskPage, TaskQuery, WriteBatch, WriteResult } from '../types.js';
import { migrateSqlite } from './migrate.js';
import { newestFirstPage } from './newest-first.js';
import { mergedPage, RUNTIME_NAMES, runtimeNamesOf, StatementPool, type MergedPage } from './merge-walk.js';
import { scansTasks, sortWalkPage } from './sort-walk.js';
import { ftsClauses, ftsMatches, hintKey, idPrefixRanges, pickSubstring, SQLITE, sqliteDialect, trigrams, type MatchHint } from './dialect.js';
import { idPrefixes } from '../query/search.js';
import { logRange, readLogRow } from './event-log.js';
import { configureConnection } from './pragmas.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { SqliteReader } from './reader.js';
import { spawnThread } from './thread.js';
import type { WriterInit, WriterReply, WriterRequest } from './writer-thread.js';

export interface SqliteStoreOptions {
  path: string;
  maxEventBytes: number;
  maxFieldBytes: number;
  retention?: RetentionPolicy;
  /** Full-text matches above which a search clause is checked row by row (default FTS_DENSE_MATCHES). */
  ftsDenseMatches?: number;
  /** Hits in the trigram sample that make a trigram common (default 1,000 of the newest 20,000 tasks). */
  ftsCommonTrigram?: number;
  /** The longest sort walk before the usual query (default SORT_WALK_MAX; tests use fewer). */
  sortWalkMax?: number;
  /** Called with errors of background work (retention). */
  onBackgroundError?: (err: unknown) => void;
  /** Called before migrations upgrade an existing database (some take minutes on large stores). */
  onUpgrade?: (pending: string[]) => void;
}

/**
 * SQLite store: one file, WAL. Writes go to a writer thread and the queries whose cost depends
 * on the user (lists, searches, counts) to a reader thread, so neither blocks the event loop;
 * cheap lookups by key run here on a third connection. WAL lets all of them proceed at once.
 */
/** Above this many full-text matches a search clause is checked row by row in sort order instead. */
export const FTS_DENSE_MATCHES = 20000;
/** The longest LIKE walk (rows of tasks_seen) a dense search may need for its first page. */
const FTS_WALK_ROWS = 200000;
/** Trigram sample for pickSubstring: the newest rows, and how many hits make a trigram common (5 %). */
const SAMPLE_ROWS = 20000;
/** How long sampled trigram counts are reused (trigramCounts). */
const TRIGRAM_COUNT_TTL_MS = 60000;
/** A list of rowids longer than this may be checked while walking the sort's index (searchHints). */
const LIST_WALK_MIN = 1000;
/** A received/started/finished range with at least this many tasks is walked in seen_at order (planRanges). */
const RANGE_WALK_MIN = 1000;
const SAMPLE_COMMON = 1000;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private db!: Database.Database;
  private thread: Thread | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: WriteResult | RetentionResult) => void; reject: (e: Error) => void }>();
  private retentionTimer: NodeJS.Timeout | null = null;
  private reader: SqliteReader | null = null;
  private runs: StatementPool | null = null;
  private checkpointer: Checkpointer | null = null;
  private closing = false;
  private readonly trigramCache = new Map<string, { n: number; at: number }>();
  readonly path: string;

  constructor(private readonly opts: SqliteStoreOptions) {
    this.path = opts.path === ':memory:' ? opts.path : resolve(opts.path);
  }

  async open(): Promise<void> {
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
      this.db = new Database(this.path);
      configureConnection(this.db, 8);
      // Never checkpoint on the event loop (checkpoint-thread.ts does it); this connection
      // only writes the migrations, before any thread starts.
      this.db.pragma('wal_autocheckpoint = 0');
      migrateSqlite(this.db, this.opts.onUpgrade);
    } catch (err) {
      throw new AppError('STORE_OPEN_FAILED', `cannot open SQLite database ${this.path}: ${describeError(err)}`, { cause: err });
    }
    await this.startThread();
    // An in-memory database cannot be shared with another thread: read it here.
    if (this.path !== ':memory:') this.reader = new SqliteReader(this.path);
    const policy = this.opts.retention ?? NO_RETENTION;
    if (retentionEnabled(policy)) {
      this.retentionTimer = setInterval(() => {
        this.applyRetention().catch((err: unknown) => this.opts.onBackgroundError?.(err));
      }, policy.intervalSeconds * 1000);
      this.retentionTimer.unref();
    }
  }

  /** Runs retention on the writer thread, between write batches. */
  async applyRetention(now = Date.now() / 1000): Promise<RetentionResult> {
    return (await this.send({ id: this.nextId++, retention: this.opts.retention ?? NO_RETENTION, now })) as RetentionResult;
  }

  /** Runs a read query on the reader thread (or here, for an in-memory database). */
  private read<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    if (this.reader) return this.reader.all<T>(sql, params);
    return Promise.resolve(this.db.prepare(sql).all(...params) as T[]);
  }

  /** Whether SQLite's plan for `stmt` reads tasks through an index (no full scan of the table). */
  private async readsByIndex(stmt: { sql: string; params: unknown[] }): Promise<boolean> {
    const plan = await this.read<{ detail: string }>(`EXPLAIN QUERY PLAN ${stmt.sql}`, stmt.params);
    return !scansTasks(plan.map((r) => r.detail));
  }

  /** A merged walk's round (merge-walk.ts mergedPage), on the reader thread (or here, in memory). */
  private mergedPage(m: MergeWalk, sql: string, params: unknown[]): Promise<MergedPage> {
    if (this.reader) return this.reader.mergedPage(m, sql, params);
    this.runs ??= new StatementPool(this.db);
    return Promise.resolve(mergedPage(m, sql, params, (s, i) => this.runs!.get(s, i), (s) => this.db.prepare(s)));
  }

  private startThread(): Promise<void> {
    const init: WriterInit = { path: this.path, maxEventBytes: this.opts.maxEventBytes, maxFieldBytes: this.opts.maxFieldBytes };
    const thread = spawnThread('writer-thread', init);
    this.thread = thread;
    return new Promise((resolveReady, rejectReady) => {
      let ready = false;
      thread.on('message', (m: WriterReply) => {
        if ('ready' in m) {
          ready = true;
          resolveReady();
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if ('error' in m) p.reject(new AppError('STORE_UNAVAILABLE', `SQLite write failed: ${m.error}`));
        else if ('retention' in m) p.resolve(m.retention);
        else p.resolve({ inserted: m.inserted, duplicates: m.duplicates });
      });
      const fail = (err: Error) => {
        if (this.thread === thread) this.thread = null;
        for (const p of this.pending.values()) p.reject(new AppError('STORE_UNAVAILABLE', `SQLite writer stopped: ${err.message}`));
        this.pending.clear();
        if (!ready) rejectReady(new AppError('STORE_OPEN_FAILED', `SQLite writer failed to start: ${err.message}`));
      };
      thread.on('error', fail);
      thread.on('exit', (code) => {
        if (!this.closing) fail(new Error(`exited with code ${code}`));
      });
    });
  }

  private async send(req: WriterRequest): Promise<WriteResult | RetentionResult> {
    if (!this.thread) {
      if (this.closing) throw new AppError('STORE_UNAVAILABLE', 'store is closed');
      await this.startThread();
    }
    return new Promise((res, rej) => {
      this.pending.set(req.id, { resolve: res, reject: rej });
      this.thread!.postMessage(req);
    });
  }

  async write(batch: WriteBatch): Promise<WriteResult> {
    // Started with the first write, not at open: a restart serves without waiting for it.
    if (!this.checkpointer && !this.closing && this.path !== ':memory:') {
      this.checkpointer = startCheckpointer(this.path, (err) => this.opts.onBackgroundError?.(err));
    }
    return (await this.send({ id: this.nextId++, payloads: batch.payloads, workers: batch.workers })) as WriteResult;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.reader?.close();
    await this.checkpointer?.close();
    if (this.thread) {
      const t = this.thread;
      await new Promise<void>((res) => {
        const id = this.nextId++;
        this.pending.set(id, { resolve: () => res(), reject: () => res() });
        t.postMessage({ id, close: true } satisfies WriterRequest);
      });
      await t.terminate();
      this.thread = null;
    }
    this.db?.close();
  }

  async queryTasks(q: TaskQuery): Promise<TaskPage> {
    const { hints, walk } = await this.searchHints(q);
    const { query, unindexed } = await this.planRanges(q);
    const paged = { ...query, limit: q.limit + 1 };
    const dialectOf = (h: Map<string, MatchHint>) => (h.size === 0 && unindexed.size === 0 ? SQLITE : sqliteDialect(h, unindexed, walk));
    // No index of runtime alone (0150): a runtime sort merges the names' ranges of (name, runtime).
    const dialect = walksRuntimeNames(q) ? { ...dialectOf(hints), runtimeNames: await this.runtimeNames() } : dialectOf(hints);
    const built = buildTaskQuery(paged, dialect);
    const page = async (h: Map<string, MatchHint>) => {
      const rows: Record<string, unknown>[] = [];
      for (const part of (h === hints ? built : buildTaskQuery(paged, dialectOf(h))).parts) {
        if (rows.length > q.limit) break;
        rows.push(...(await this.read(part.sql, part.params)));
      }
      return rows;
    };
    // A filter with a runtime/received/started/finished sort: walk that sort's index (sort-walk.ts).
    const walked = await sortWalkPage(q.limit + 1, (n, after) => buildSortWalk(paged, dialect, n, after), (sql, params) => this.read(sql, params), {
      max: this.opts.sortWalkMax,
      merge: (m, sql, params) => this.mergedPage(m, sql, params),
      usualIsIndexed: () => this.readsByIndex(built.parts[0]!),
    });
    if (walked?.complete && built.parts.length > 1) {
      // every remaining row with a value was read: then the NULL block (the last part)
      const nulls = built.parts[built.parts.length - 1]!;
      walked.rows.push(...(await this.read(nulls.sql, nulls.params)));
    }
    // A long match list, newest first: read the newest blocks' candidates first (newest-first.ts).
    const rows = walked?.rows ?? (await newestFirstPage(q, hints, walk, (lo, hi) => this.blockBounds(lo, hi), page)) ?? (await page(hints));
    const more = rows.length > q.limit;
    if (more) rows.length = q.limit;
    const last = rows[rows.length - 1];
    return { tasks: rows.map(rowToTask), nextCursor: more && last ? built.cursorOf(last) : null };
  }

  /**
   * The dialect for a query's text searches: each full-text clause's match set is read first,
   * up to FTS_DENSE_MATCHES rowids (FTS5 returns them in rowid order and stops at the limit).
   * A smaller set is passed to the page query as a list; a larger one is searched with LIKE
   * while walking the sort's index (see dialect.ts). Without this, a common word made SQLite
   * read and sort every match: 12-16 s for `acme` on a 1 M store.
   */
  private async searchHints(q: TaskQuery): Promise<{ hints: Map<string, MatchHint>; walk: Set<string> }> {
    const clauses = ftsClauses(q.search);
    const walk = new Set<string>();
    if (clauses.length === 0) return { hints: new Map(), walk };
    const cap = this.opts.ftsDenseMatches ?? FTS_DENSE_MATCHES;
    const hints = new Map<string, MatchHint>();
    // In rowid order (FTS5's natural one; descending costs a sparse phrase 20 times more).
    // Each set as one JSON array built by SQLite, all of a clause's sets in one statement:
    // 10,000 rowids as rows (an object each, cloned to this thread) cost ~20 ms at 10 M, and
    // each statement is a round trip to the reader thread.
    const readSets = async (sets: { sql: string; params: unknown[] }[]): Promise<number[][]> => {
      if (sets.length === 0) return [];
      const [row] = await this.read<Record<string, string>>(
        `SELECT ${sets.map((x, i) => `(SELECT json_group_array(rowid) FROM (${x.sql})) AS s${i}`).join(', ')}`,
        sets.flatMap((x) => x.params),
      );
      return sets.map((_, i) => JSON.parse(row![`s${i}`]!) as number[]);
    };
    const ftsSets = (matches: { table: string; query: string }[], limit: number, desc = false) =>
      matches.map((m) => ({ sql: `SELECT rowid FROM ${m.table} WHERE ${m.table} MATCH ?${desc ? ' ORDER BY rowid DESC' : ''} LIMIT ${limit}`, params: [m.query] }));
    // Mostly one list and an empty one (a bare word's id prefix matched nothing): no Set of
    // 10,000 rowids for that (3 ms of the event loop per query at 10 M).
    const union = (...lists: number[][]) => {
      const some = lists.filter((l) => l.length > 0);
      return some.length === 0 ? [] : some.length === 1 ? some[0]! : [...new Set(some.flat())];
    };
    const matchSet = async (matches: { table: string; query: string }[], limit: number, desc = false) => union(...(await readSets(ftsSets(matches, limit, desc))));
    const sort = q.sort ?? { field: 'seen_at', desc: true };
    let top: number | null = null;
    // For the default order (newest first), the newest matches tell how far a LIKE walk of
    // tasks_seen goes before it has a page, as rowids follow arrival order.
    const walkIsShort = async (matches: { table: string; query: string }[]) => {
      if (sort.field !== 'seen_at' || !sort.desc) return true;
      top ??= await this.topRowid();
      const newest = (await matchSet(matches, q.limit + 1, true)).sort((a, b) => b - a);
      return top - newest[Math.min(q.limit, newest.length - 1)]! <= FTS_WALK_ROWS;
    };
    // A bare word also matches the tasks whose id starts with it (search.ts): through the
    // uuid index, merged into whichever list the clause gets.
    const byId = (value: string, limit: number) => {
      const params: unknown[] = [];
      const cond = idPrefixRanges(idPrefixes(value), (v) => {
        params.push(v);
        return '?';
      });
      return { sql: `SELECT rowid FROM tasks WHERE ${cond} LIMIT ${limit}`, params };
    };
    for (const { column, value } of clauses) {
      const key = hintKey(column, value);
      if (hints.has(key)) continue;
      // A long ASCII term (LIKE, which checks the candidates, folds ASCII case only): ask FTS5
      // for its rarest part when the whole would be slow, then check the candidates.
      const tri = [...new Set(trigrams(value))];
      const common = this.opts.ftsCommonTrigram ?? SAMPLE_COMMON;
      const sub = tri.length >= 4 && tri.length <= 32 && /^[\x20-\x7e]*$/.test(value) ? pickSubstring(value, await this.trigramCounts(column, tri, common), common) : null;
      // the id prefix's rowids and the part's candidates, in one statement (in that order)
      const sets = await readSets([...(column === 'text' ? [byId(value, cap + 1)] : []), ...(sub ? ftsSets(ftsMatches(column, sub)!, cap + 1) : [])]);
      const ids0 = column === 'text' ? sets.shift()! : [];
      if (ids0.length > cap) {
        // more ids with this prefix than a list holds: checked row by row in sort order
        hints.set(key, 'dense');
        continue;
      }
      const candidates = sub ? union(...sets) : null;
      if (candidates && candidates.length <= cap) {
        hints.set(key, { candidates: union(candidates, ids0), verify: true });
        continue;
      }
      const matches = ftsMatches(column, value)!;
      const ids = await matchSet(matches, cap + 1);
      if (ids.length <= cap) hints.set(key, union(ids, ids0));
      // Many matches: LIKE in sort order, unless the newest page of them lies far back in
      // time (matches clustered in the past: `kwargs:"'order_id': 77"`), where the walk would
      // read millions of rows; then FTS5 reads them all and SQLite sorts them, as without hints.
      else if (await walkIsShort(matches)) hints.set(key, 'dense');
    }
    // A long list (more than LIST_WALK_MIN rowids) costs a row read per entry before the page
    // is sorted (10,000 candidates: 60-110 ms at 10 M). For the first page of the newest-first
    // order, when its newest entries lie within FTS_WALK_ROWS of the newest task (rowids follow
    // arrival), it is cheaper to walk the sort's index and check each row's rowid against the
    // list (dialect.ts: `+rowid IN`, which keeps SQLite from reading the list first).
    if (sort.field === 'seen_at' && sort.desc && !q.cursor && !q.offset) {
      for (const [key, hint] of hints) {
        const list = Array.isArray(hint) ? hint : hint === 'dense' ? null : hint.candidates;
        if (!list || list.length <= LIST_WALK_MIN) continue;
        top ??= await this.topRowid();
        const newest = nthNewest(list, Math.min(q.limit, list.length - 1));
        if (top - newest <= FTS_WALK_ROWS) walk.add(key);
      }
    }
    return { hints, walk };
  }

  /**
   * Time ranges of received, started or finished with the newest-first order: SQLite reads
   * the range through its column's index and sorts it by seen_at, fine for a few hundred rows
   * but 100-150 ms for the ~14,000 tasks of an hour at 10 M. When the range holds at least
   * RANGE_WALK_MIN tasks (counted in its index, stopping there), the range is checked on each
   * row instead (`+received`) while walking tasks_seen from the range's end: every event time
   * of a task is at or after its seen_at (the first event's), so `seen_at <= to` is implied
   * and the walk starts there; dense matches fill the page within a few hundred rows.
   */
  private async planRanges(q: TaskQuery): Promise<{ query: TaskQuery; unindexed: Set<string> }> {
    const unindexed = new Set<string>();
    const sort = q.sort ?? { field: 'seen_at', desc: true };
    if (sort.field !== 'seen_at' || !sort.desc || q.offset) return { query: q, unindexed };
    const ranges = (['received', 'started', 'finished'] as const).filter((c) => q[c] && (q[c]!.from !== undefined || q[c]!.to !== undefined));
    if (ranges.length === 0) return { query: q, unindexed };
    for (const c of ranges) {
      const r = q[c]!;
      const conds: string[] = [];
      const params: unknown[] = [];
      if (r.from !== undefined) {
        conds.push(`${c} >= ?`);
        params.push(r.from);
      }
      if (r.to !== undefined) {
        conds.push(`${c} <= ?`);
        params.push(r.to);
      }
      const n = (await this.read<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM tasks WHERE ${conds.join(' AND ')} LIMIT ${RANGE_WALK_MIN})`, params))[0]!.n;
      // a small range is the best way in: read it and sort
      if (n < RANGE_WALK_MIN) return { query: q, unindexed: new Set() };
      unindexed.add(c);
    }
    let to = q.seen?.to;
    for (const c of ranges) {
      const t = q[c]!.to;
      if (t !== undefined && (to === undefined || t < to)) to = t;
    }
    return { query: to === undefined ? q : { ...q, seen: { ...q.seen, to } }, unindexed };
  }

  /** The newest seen_at of each rowid block from `lo` to `hi` that has one (task_blocks, 0130). */
  private async blockBounds(lo: number, hi: number): Promise<Map<number, number>> {
    // One range of the table (a row per 4,096 tasks) as one JSON text: 2,000 lookups by key
    // cost 4 ms at 10 M tasks, this 1.
    // %.17g: every double round-trips exactly (a bound rounded down would not be a bound).
    const [row] = await this.read<{ j: string }>("SELECT json_group_array(json_array(block, printf('%.17g', max_seen_at))) AS j FROM task_blocks WHERE block BETWEEN ? AND ?", [lo, hi]);
    return new Map((JSON.parse(row?.j ?? '[]') as [number, string][]).map(([b, m]) => [b, Number(m)]));
  }

  /**
   * The task names that have tasks with a runtime, and null (tasks without a name), for a
   * runtime sort (sql.ts mergedRuntimeWalk): a skip-scan of tasks_name_runtime, one index
   * seek per name. Read for each query (a separate read from the walk's: a task name stored for
   * the first time in between is missing from that one page, never from the next).
   */
  private async runtimeNames(): Promise<(string | null)[]> {
    const [row] = await this.read<{ j: string }>(RUNTIME_NAMES, []);
    return runtimeNamesOf(row?.j);
  }

  private async topRowid(): Promise<number> {
    return (await this.read<{ m: number | null }>('SELECT max(rowid) AS m FROM tasks', []))[0]?.m ?? 0;
  }

  /**
   * How often each trigram occurs in the newest SAMPLE_ROWS tasks, counted up to SAMPLE_COMMON.
   * Only a planning hint, so counts are kept for TRIGRAM_COUNT_TTL_MS (3-8 ms of a bare word's
   * 35 ms at 10 M): a user refining a search, or the dashboard's refetches, reuse them.
   */
  private async trigramCounts(column: Parameters<typeof ftsMatches>[0], tri: string[], common: number): Promise<Map<string, number>> {
    const now = Date.now();
    const out = new Map<string, number>();
    const missing: string[] = [];
    for (const t of tri) {
      const hit = this.trigramCache.get(`${column}\u0000${common}\u0000${t}`);
      if (hit && now - hit.at < TRIGRAM_COUNT_TTL_MS) out.set(t, hit.n);
      else missing.push(t);
    }
    if (missing.length === 0) return out;
    if (this.trigramCache.size > 10000) this.trigramCache.clear();
    for (const [t, n] of await this.countTrigrams(column, missing, common)) {
      out.set(t, n);
      this.trigramCache.set(`${column}\u0000${common}\u0000${t}`, { n, at: now });
    }
    return out;
  }

  private async countTrigrams(column: Parameters<typeof ftsMatches>[0], tri: string[], common: number): Promise<Map<string, number>> {
    const params: unknown[] = [];
    const terms = tri.map((t) =>
      ftsMatches(column, t)!
        .map(({ table, query }) => {
          params.push(query);
          return `(SELECT count(*) FROM (SELECT 1 FROM ${table} WHERE ${table} MATCH ? AND rowid > (SELECT max(rowid) FROM tasks) - ${SAMPLE_ROWS} LIMIT ${common}))`;
        })
        .join(' + '),
    );
    const row = (await this.read<Record<string, number>>(`SELECT ${terms.map((t, i) => `${t} AS c${i}`).join(', ')}`, params))[0]!;
    return new Map(tri.map((t, i) => [t, row[`c${i}`] ?? 0]));
  }

  async getTask(uuid: string): Promise<Task | null> {
    const r = this.db.prepare('SELECT * FROM tasks WHERE uuid = ?').get(uuid) as Record<string, unknown> | undefined;
    return r ? rowToTask(r) : null;
  }

  async getTasks(uuids: string[]): Promise<Task[]> {
    const out: Task[] = [];
    for (let i = 0; i < uuids.length; i += 500) {
      const chunk = uuids.slice(i, i + 500);
      const rows = this.db.prepare(`SELECT * FROM tasks WHERE uuid IN (${chunk.map(() => '?').join(',')})`).all(...chunk);
      for (const r of rows) out.push(rowToTask(r as Record<string, unknown>));
    }
    return out;
  }

  async getTaskEvents(uuid: string): Promise<StoredEvent[]> {
    const task = this.db.prepare('SELECT id FROM tasks WHERE uuid = ?').pluck().get(uuid) as number | null | undefined;
    if (task === undefined || task === null) return [];
    const out: StoredEvent[] = [];
    // The event log (0080), then what older versions stored one row per event.
    const [from, to] = logRange(task);
    for (const text of this.db.prepare('SELECT events FROM task_event_log WHERE key >= ? AND key < ? ORDER BY key').pluck().iterate(from, to) as IterableIterator<string>) {
      readLogRow(text, out);
    }
    const old = this.db
      .prepare('SELECT uuid, type, timestamp, hostname, clock, data FROM task_events WHERE task_id = ? AND uuid = ?')
      .all(task, uuid) as { uuid: string; type: string; timestamp: number; hostname: string; clock: number; data: string | null }[];
    for (const r of old) out.push({ ...r, data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : {} });
    return out.sort((a, b) => a.timestamp - b.timestamp || a.clock - b.clock);
  }

  async getChildren(uuid: string, limit: number): Promise<Task[]> {
    const rows = this.db.prepare('SELECT * FROM tasks WHERE parent_id = ? AND uuid <> ? ORDER BY seen_at LIMIT ?').all(uuid, uuid, limit);
    return rows.map((r) => rowToTask(r as Record<string, unknown>));
  }

  async taskNames(): Promise<string[]> {
    // A skip-scan over the (name, seen_at) index: one probe per distinct name.
    const rows = await this.read<{ name: string }>('SELECT DISTINCT name FROM tasks WHERE name IS NOT NULL ORDER BY name', []);
    return rows.map((r) => r.name);
  }

  async listWorkers(): Promise<Worker[]> {
    return (this.db.prepare('SELECT * FROM workers ORDER BY hostname').all() as Record<string, unknown>[]).map(rowToWorker);
  }

  async unfinishedTasks(limit: number): Promise<Task[]> {
    const rows = this.db.prepare("SELECT * FROM tasks WHERE finished IS NULL AND state <> 'ORPHANED' ORDER BY seen_at DESC LIMIT ?").all(limit);
    return rows.map((r) => rowToTask(r as Record<string, unknown>));
  }

  async counts(): Promise<StoreCounts> {
    const byState: Record<string, number> = {};
    let tasks = 0;
    // Kept exact by triggers and the writer (migrations/sqlite/0070_counts.sql): no count(*).
    const [states, eventCount] = await Promise.all([
      this.read<{ state: string; n: number }>('SELECT state, n FROM task_counts WHERE n > 0', []),
      this.read<{ n: number }>('SELECT n FROM event_count', []),
    ]);
    for (const r of states) {
      byState[r.state] = r.n;
      tasks += r.n;
    }
    const events = eventCount[0]!.n;
    return { tasks, events, byState };
  }

  async ping(): Promise<boolean> {
    try {
      this.db.prepare('SELECT 1').get();
      return this.thread !== null;
    } catch {
      return false;
    }
  }

  /**
   * The store's other writes go through the writer thread too: from here they would wait on
   * the event loop for the writer's lock (up to a batch's transaction) or run a checkpoint.
   */
  async recordAudit(e: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.send({
      id: this.nextId++,
      sql: 'INSERT INTO audit_log (at, actor, ip, action, target, params, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      params: [e.at, e.actor, e.ip, e.action, e.target, e.params === undefined ? null : JSON.stringify(e.params), e.outcome, e.message],
    });
  }

  async listAudit(q: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.cursor) {
      where.push('id < ?');
      params.push(Number(q.cursor));
    }
    if (q.action) {
      where.push('action = ?');
      params.push(q.action);
    }
    if (q.target) {
      where.push('target = ?');
      params.push(q.target);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = await this.read(sql, [...params, q.limit + 1]);
    const more = rows.length > q.limit;
    if (more) rows.length = q.limit;
    const items = rows.map(auditRow);
    return { items, nextCursor: more && items.length ? String(items[items.length - 1]!.id) : null };
  }

  async linkRetry(retryOf: string, retriedAs: string): Promise<void> {
    await this.send({ id: this.nextId++, sql: 'INSERT OR IGNORE INTO task_links (retried_as, retry_of, created_at) VALUES (?, ?, ?)', params: [retriedAs, retryOf, Date.now() / 1000] });
  }

  async taskLinks(uuid: string): Promise<TaskLinks> {
    const of = this.db.prepare('SELECT retry_of FROM task_links WHERE retried_as = ?').get(uuid) as { retry_of: string } | undefined;
    const as = this.db.prepare('SELECT retried_as FROM task_links WHERE retry_of = ? ORDER BY created_at, retried_as').all(uuid) as { retried_as: string }[];
    return { retry_of: of?.retry_of ?? null, retried_as: as.map((r) => r.retried_as) };
  }
}

/**
 * The n-th largest rowid of a match list (0: the largest). FTS5 gives rowids in ascending
 * order, so a list read from one set is sorted already: then no copy and no sort.
 */
export function nthNewest(list: readonly number[], n: number): number {
  let sorted = true;
  for (let i = 1; i < list.length && sorted; i++) if (list[i]! < list[i - 1]!) sorted = false;
  if (sorted) return list[list.length - 1 - n]!;
  return [...list].sort((a, b) => b - a)[n]!;
}
