import type { Worker as Thread } from 'node:worker_threads';
import { AppError } from '../../shared/errors.js';
import type { MergeWalk } from '../query/sql.js';
import type { ReaderReply, ReaderRequest } from './reader-thread.js';
import type { MergedPage } from './merge-walk.js';
import { spawnThread } from './thread.js';

/** A query that runs longer than this is answered with TIMEOUT (504) and its thread replaced. */
export const READ_TIMEOUT_MS = 15000;

interface Pending {
  resolve: (rows: unknown[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Runs read queries on a reader thread so the event loop never waits on them. A query past
 * the time limit is rejected at once; its thread cannot be interrupted inside SQLite, so it is
 * abandoned (terminated, finishing in the background) and a fresh one takes its place.
 */
export class SqliteReader {
  private thread: Thread | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly path: string, private readonly timeoutMs = READ_TIMEOUT_MS) {}

  private start(): Promise<void> {
    const thread = spawnThread('reader-thread', { path: this.path });
    this.thread = thread;
    const pending = this.pending;
    this.ready = new Promise((resolveReady, rejectReady) => {
      thread.on('message', (m: ReaderReply) => {
        if ('ready' in m) return resolveReady();
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        clearTimeout(p.timer);
        if ('error' in m) p.reject(new AppError('STORE_UNAVAILABLE', `SQLite read failed: ${m.error}`));
        else p.resolve(m.rows);
      });
      const fail = (err: Error) => {
        rejectReady(err);
        this.abandon(thread, new AppError('STORE_UNAVAILABLE', `SQLite reader stopped: ${err.message}`));
      };
      thread.on('error', fail);
      thread.on('exit', (code) => {
        if (!this.closed) fail(new Error(`exited with code ${code}`));
      });
    });
    return this.ready;
  }

  /** Drops a thread: its unanswered queries fail, and the next query starts a new thread. */
  private abandon(thread: Thread, reason: Error): void {
    if (this.thread !== thread) return;
    this.thread = null;
    this.ready = null;
    const pending = [...this.pending.values()];
    this.pending = new Map();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    void thread.terminate();
  }

  all<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return this.request<T>({ sql, params });
  }

  /** A merged walk's round (merge-walk.ts mergedPage), on the reader thread. */
  async mergedPage(walk: MergeWalk, sql: string, params: unknown[]): Promise<MergedPage> {
    return (await this.request<MergedPage>({ merge: walk, sql, params }))[0]!;
  }

  private async request<T>(req: { sql: string; params: unknown[] } | { merge: MergeWalk; sql: string; params: unknown[] }): Promise<T[]> {
    if (this.closed) throw new AppError('STORE_UNAVAILABLE', 'store is closed');
    if (!this.thread) await this.start();
    else await this.ready;
    const thread = this.thread!;
    const id = this.nextId++;
    return new Promise<T[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.abandon(thread, new AppError('TIMEOUT', `the query took longer than ${this.timeoutMs / 1000} s; narrow the filter or the search`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject, timer });
      thread.postMessage({ id, ...req } satisfies ReaderRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const t = this.thread;
    this.thread = null;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new AppError('STORE_UNAVAILABLE', 'store is closed'));
    }
    this.pending.clear();
    if (t) await t.terminate();
  }
}
