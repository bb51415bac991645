import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { env } from './env';
import { keys } from './query-keys';
import { mergeTaskRows, type TaskPages } from './task-rows';
import type { TaskDetail, TaskView, WorkerView } from './types';

/**
 * The dashboard's one WebSocket (/api/v1/live). Subscriptions name a task filter (the same
 * parameters as GET /api/v1/tasks); the server sends coalesced updates every 200 ms.
 * Updates go straight into the TanStack Query cache (setQueryData) under the same keys the
 * REST hooks use, so components only ever read hooks. After a reconnect, or when the server
 * says updates were missed (`resync`), the affected queries are refetched from the REST API.
 */

export type LiveStatus = 'connecting' | 'open' | 'closed';

interface Subscription {
  id: string;
  params: Record<string, string>;
  full: boolean;
  onRows(rows: TaskView[], truncated: number): void;
  onResync(): void;
}

interface UpdateMessage {
  type: 'update';
  seq: number;
  subs: Record<string, TaskView[]>;
  truncated?: Record<string, number>;
  workers?: WorkerView[];
  resync?: boolean;
}
type ServerMessage =
  | { type: 'hello'; seq: number }
  | { type: 'subscribed'; id: string; seq: number; resync: boolean }
  | { type: 'error'; id?: string; error: { code: string; message: string } }
  | UpdateMessage;

class LiveConnection {
  private ws: WebSocket | null = null;
  private readonly subs = new Map<string, Subscription>();
  private lastSeq: number | null = null;
  private retryMs = 500;
  private statusValue: LiveStatus = 'closed';
  private readonly statusListeners = new Set<() => void>();
  /** Messages received and the time spent applying them, shown by tests and the status bar. */
  readonly stats = { messages: 0, rows: 0, applyMs: 0 };

  constructor(private readonly qc: QueryClient) {}

  get status(): LiveStatus {
    return this.statusValue;
  }

  onStatus = (l: () => void) => {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  };

  private setStatus(s: LiveStatus): void {
    this.statusValue = s;
    for (const l of this.statusListeners) l();
  }

  connect(): void {
    if (this.ws) return;
    this.setStatus('connecting');
    const ws = new WebSocket(env.liveUrl());
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.setStatus('open');
      for (const s of this.subs.values()) this.sendSubscribe(s, this.lastSeq);
    };
    ws.onmessage = (e: MessageEvent<string>) => this.handle(JSON.parse(e.data) as ServerMessage);
    ws.onclose = () => {
      this.ws = null;
      this.setStatus('closed');
      window.setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  private send(m: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private sendSubscribe(s: Subscription, since: number | null): void {
    this.send({ type: 'subscribe', id: s.id, params: s.params, full: s.full, since });
  }

  subscribe(s: Subscription): () => void {
    this.subs.set(s.id, s);
    // A new subscription has just (re)fetched over REST; `since` lets the server say whether
    // anything happened in between.
    this.sendSubscribe(s, this.lastSeq);
    return () => {
      if (this.subs.get(s.id) === s) {
        this.subs.delete(s.id);
        this.send({ type: 'unsubscribe', id: s.id });
      }
    };
  }

  private handle(m: ServerMessage): void {
    if (m.type === 'hello') {
      if (this.lastSeq !== null && m.seq !== this.lastSeq) void this.qc.invalidateQueries({ queryKey: keys.workers.all });
      this.lastSeq = m.seq;
    } else if (m.type === 'subscribed') {
      if (m.resync) this.subs.get(m.id)?.onResync();
    } else if (m.type === 'update') {
      const t0 = performance.now();
      this.lastSeq = m.seq;
      this.stats.messages++;
      for (const [id, rows] of Object.entries(m.subs)) {
        this.stats.rows += rows.length;
        this.subs.get(id)?.onRows(rows, m.truncated?.[id] ?? 0);
      }
      if (m.workers) mergeWorkers(this.qc, m.workers);
      if (m.resync) {
        for (const s of this.subs.values()) s.onResync();
        void this.qc.invalidateQueries({ queryKey: keys.workers.all });
      }
      this.stats.applyMs += performance.now() - t0;
    } else if (m.type === 'error' && env.dev) {
      console.warn('live subscription error', m); // eslint-disable-line no-console -- development aid only
    }
  }
}

let connection: LiveConnection | null = null;

/** Opens the live socket once, at start-up (main.tsx). */
export function startLive(qc: QueryClient): void {
  connection ??= new LiveConnection(qc);
  connection.connect();
  (window as unknown as { __celeriacLive?: LiveConnection }).__celeriacLive = connection;
}

const noop = () => () => undefined;
export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(connection?.onStatus ?? noop, () => connection?.status ?? 'closed');
}

function mergeWorkers(qc: QueryClient, workers: WorkerView[]): void {
  qc.setQueryData<{ items: WorkerView[] }>(keys.workers.list(), (old) => {
    if (!old) return old;
    const byName = new Map(workers.map((w) => [w.hostname, w]));
    const items = old.items.map((w) => {
      const n = byName.get(w.hostname);
      if (!n) return w;
      byName.delete(w.hostname);
      return n;
    });
    return { items: byName.size ? [...items, ...byName.values()].sort((a, b) => a.hostname.localeCompare(b.hostname)) : items };
  });
  for (const w of workers) {
    qc.setQueryData<{ worker: WorkerView }>(keys.workers.detail(w.hostname), (old) => (old ? { worker: w } : old));
  }
}

/**
 * Keeps a cached task list (keys.tasks.list(params)) live while `enabled`. Returns nothing:
 * the list hook re-renders from the cache.
 */
export function useLiveTaskList(
  params: Record<string, string>,
  opts: { enabled: boolean; insertNew: boolean; max?: number; onTruncated?: (n: number) => void },
): void {
  const qc = useQueryClient();
  const key = JSON.stringify(params);
  const { enabled, insertNew, max = 1000, onTruncated } = opts;
  useEffect(() => {
    if (!enabled || !connection) return;
    const queryKey = keys.tasks.list(params);
    let timer: number | null = null;
    const refetchSoon = () => {
      // Updates that came while the first page was still loading may be newer than what the
      // store returned; read it again shortly after (the store writes every ~100 ms).
      timer ??= window.setTimeout(() => {
        timer = null;
        void qc.invalidateQueries({ queryKey });
      }, 1000);
    };
    const off = connection.subscribe({
      id: 'tasks',
      params: withoutPaging(params),
      full: false,
      onRows(rows, truncated) {
        if (!qc.getQueryData(queryKey)) refetchSoon();
        else qc.setQueryData<TaskPages>(queryKey, (old) => (old ? mergeTaskRows(old, rows, insertNew, max) : old));
        if (truncated) onTruncated?.(truncated);
      },
      onResync() {
        void qc.invalidateQueries({ queryKey });
      },
    });
    return () => {
      off();
      if (timer !== null) window.clearTimeout(timer);
    };
    // params are compared by value through `key`
  }, [key, enabled, insertNew, max, qc]);
}

function withoutPaging(params: Record<string, string>): Record<string, string> {
  const { sort: _s, limit: _l, cursor: _c, live: _v, ...rest } = params;
  return rest;
}

/** Keeps one task's detail (keys.tasks.detail(id)) live; its events refetch shortly after a change. */
export function useLiveTask(id: string): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!connection) return;
    let timer: number | null = null;
    const queryKey = keys.tasks.detail(id);
    const refetchSoon = () => {
      if (timer !== null) window.clearTimeout(timer);
      // The store writes in batches every ~100 ms; wait for it before re-reading the timeline.
      timer = window.setTimeout(() => void qc.invalidateQueries({ queryKey }), 800);
    };
    const off = connection.subscribe({
      id: `task:${id}`,
      params: { q: `uuid:"${id.replace(/"/g, '')}"` },
      full: true,
      onRows(rows) {
        const row = rows[rows.length - 1];
        if (!row) return;
        qc.setQueryData<TaskDetail>(queryKey, (old) => (old ? { ...old, task: row } : old));
        refetchSoon();
      },
      onResync: refetchSoon,
    });
    return () => {
      off();
      if (timer !== null) window.clearTimeout(timer);
    };
  }, [id, qc]);
}
