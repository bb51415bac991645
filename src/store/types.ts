import type { Task, Worker } from '../state/types.js';
import type { SearchClause } from './query/search.js';
import type { RetentionResult } from './retention.js';

/** One stored task event (the timeline of a task). */
export interface StoredEvent {
  uuid: string;
  type: string;
  timestamp: number;
  hostname: string;
  clock: number;
  /** The event's other fields (args, result, exception, ...). */
  data: Record<string, unknown>;
}

/**
 * What the ingest pipeline hands the store: the payload texts of event messages exactly as
 * they came off the broker (JSON of one event or of a `task.multi` array), plus the workers
 * whose live state changed. The store decodes the payloads itself (on its own thread for
 * SQLite), so the receive path never serialises events a second time.
 */
export interface WriteBatch {
  payloads: string[];
  workers: Worker[];
}

export interface WriteResult {
  /** Task events newly stored. */
  inserted: number;
  /** Task events already stored before (duplicates delivered again), not stored twice. */
  duplicates: number;
}

export type SortField = 'seen_at' | 'timestamp' | 'received' | 'started' | 'finished' | 'name' | 'state' | 'runtime';

export interface TimeRange {
  from?: number;
  to?: number;
}

/** A task-list query: every filter the API and the dashboard offer. */
export interface TaskQuery {
  states?: string[];
  /** Exact names or globs with `*`. */
  names?: string[];
  workers?: string[];
  queues?: string[];
  received?: TimeRange;
  started?: TimeRange;
  finished?: TimeRange;
  seen?: TimeRange;
  rootId?: string;
  parentId?: string;
  exceptionTypes?: string[];
  runtime?: { min?: number; max?: number };
  retriesMin?: number;
  /** Parsed search language clauses (ANDed). */
  search?: SearchClause[];
  sort?: { field: SortField; desc: boolean };
  limit: number;
  /** Opaque cursor from a previous page (keyset pagination). */
  cursor?: string;
  /** Row offset (Flower-compatible routes only; cursors are preferred). */
  offset?: number;
}

export interface TaskPage {
  tasks: Task[];
  nextCursor: string | null;
}

export interface StoreCounts {
  tasks: number;
  events: number;
  byState: Record<string, number>;
}

/** One mutating action (remote control, task send/retry/revoke) and how it ended. */
export interface AuditEntry {
  id: number;
  /** Epoch seconds. */
  at: number;
  /** Who: the authenticated user once auth exists (x-celeriac-user header for now), else null. */
  actor: string | null;
  ip: string | null;
  action: string;
  target: string | null;
  params: unknown;
  outcome: 'ok' | 'error';
  message: string | null;
}

export interface AuditQuery {
  limit: number;
  cursor?: string;
  action?: string;
  target?: string;
}

/** A task's retry links: the task it retried, and the tasks sent to retry it. */
export interface TaskLinks {
  retry_of: string | null;
  retried_as: string[];
}

/**
 * The store port. `sqlite/` and `postgres/` implement it, and test/contract/store.contract.ts
 * runs one suite against both.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Opens, migrates and readies the store. Throws AppError('STORE_OPEN_FAILED'). */
  open(): Promise<void>;
  /** Flushes pending writes and closes. */
  close(): Promise<void>;
  /** Persists a batch in one transaction. Idempotent: storing an event twice is impossible. */
  write(batch: WriteBatch): Promise<WriteResult>;
  queryTasks(q: TaskQuery): Promise<TaskPage>;
  getTask(uuid: string): Promise<Task | null>;
  getTasks(uuids: string[]): Promise<Task[]>;
  getTaskEvents(uuid: string): Promise<StoredEvent[]>;
  /** Tasks whose parent_id is this task. */
  getChildren(uuid: string, limit: number): Promise<Task[]>;
  taskNames(): Promise<string[]>;
  listWorkers(): Promise<Worker[]>;
  /** Tasks neither in a terminal state nor ORPHANED (to seed the live model at start-up), newest first. */
  unfinishedTasks(limit: number): Promise<Task[]>;
  counts(): Promise<StoreCounts>;
  /**
   * Deletes what the retention settings expire (see store/retention.ts), tasks together with
   * their events. Runs on a timer when retention is configured; `now` is for tests.
   */
  applyRetention(now?: number): Promise<RetentionResult>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  /** Appends to the audit log (migration 0020). */
  recordAudit(e: Omit<AuditEntry, 'id'>): Promise<void>;
  /** Audit entries, newest first. */
  listAudit(q: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }>;
  /** Records that `retriedAs` was sent to retry `retryOf`. */
  linkRetry(retryOf: string, retriedAs: string): Promise<void>;
  taskLinks(uuid: string): Promise<TaskLinks>;
}
