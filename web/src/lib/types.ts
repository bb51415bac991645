// Shapes of the API's responses. Task and worker fields come from the server's own types so the
// two cannot drift apart; the rest mirrors the route handlers in src/api/.
import type { Task as ServerTask, Worker as ServerWorker } from '../../../src/state/types';

export type TaskView = ServerTask & {
  exception_type: string | null;
  queue_wait: number | null;
  /** Set on rows that came over the live socket: long text fields were cut. */
  partial?: boolean;
};

export type WorkerView = Omit<ServerWorker, 'status'> & {
  /** Older servers say `online` for idle workers too. */
  status: 'online' | 'idle' | 'offline' | 'lost';
  heartbeat_age: number | null;
  /** Seconds of silence after which the worker counts as lost. */
  lost_after?: number;
  alive: boolean;
};

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface StoredEvent {
  uuid: string;
  type: string;
  timestamp: number;
  hostname: string;
  clock: number;
  data: Record<string, unknown>;
}

export interface TaskDetail {
  task: TaskView;
  events: StoredEvent[];
  children: { uuid: string; name: string | null; state: string; seen_at: number }[];
  /** Retry links (servers with the control API): the task this one retried, and its retries. */
  links?: { retry_of: string | null; retried_as: string[] };
}

export interface SeriesPoint {
  t: number;
  received: number;
  succeeded: number;
  failed: number;
  retried: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface Timeseries {
  step: number;
  window: number;
  since: number;
  points: SeriesPoint[];
  totals: { received: number; succeeded: number; failed: number; retried: number };
  runtime: { p50: number | null; p95: number | null; p99: number | null; samples: number };
  top_failing: { name: string; failures: number; finished: number }[];
  inflight: number;
  workers: Record<string, number>;
}

export interface FailureGroup {
  exception_type: string;
  count: number;
  last_seen: number;
  example_uuid: string;
  names: { name: string; count: number }[];
}

export interface QueueInfo {
  name: string;
  messages: number;
  ready?: number;
  unacked?: number;
  consumers?: number;
}

export interface InspectReply {
  stats?: Record<string, unknown> | null;
  active_queues?: { name: string; exchange?: unknown; routing_key?: string }[] | null;
  registered?: string[] | null;
  scheduled?: unknown[] | null;
  active?: unknown[] | null;
  reserved?: unknown[] | null;
  revoked?: string[] | null;
  conf?: Record<string, unknown> | null;
  timestamp?: number;
}

export type AuditEntry = Record<string, unknown>;

export interface ServerStats {
  tasks: number;
  events: number;
  by_state: Record<string, number>;
  inflight: number;
}
