/** A Celery event as it comes off the wire after JSON decoding (field names as Celery sends them). */
export interface CeleryEvent {
  type: string;
  hostname: string;
  timestamp: number;
  clock?: number;
  utcoffset?: number;
  pid?: number;
  uuid?: string;
  name?: string | null;
  args?: string | null;
  kwargs?: string | null;
  root_id?: string | null;
  parent_id?: string | null;
  retries?: number | null;
  eta?: string | null;
  expires?: string | null;
  queue?: string | null;
  exchange?: string | null;
  routing_key?: string | null;
  result?: string | null;
  runtime?: number | null;
  exception?: string | null;
  traceback?: string | null;
  terminated?: boolean | null;
  signum?: number | null;
  expired?: boolean | null;
  requeue?: boolean | null;
  freq?: number;
  active?: number;
  processed?: number;
  loadavg?: number[];
  sw_ident?: string;
  sw_ver?: string;
  sw_sys?: string;
  /**
   * Set on events Celeriac makes itself (orphaning, reconciliation after a gap): why it made
   * it, e.g. 'worker-lost' or 'result-backend'. Such events never change a task's worker.
   */
  derived?: string;
  [extra: string]: unknown;
}

export const TASK_STATES = [
  'PENDING',
  'RECEIVED',
  'STARTED',
  'SUCCESS',
  'FAILURE',
  'RETRY',
  'REVOKED',
  'REJECTED',
  'ORPHANED',
] as const;
export type KnownTaskState = (typeof TASK_STATES)[number];

/**
 * The merged view of one task (current state plus everything learnt from its events).
 * Field names follow Flower's task dict so the Flower-compatible API can return it as is.
 */
export interface Task {
  uuid: string;
  name: string | null;
  state: string;
  /** Timestamp of the event that set `state`. */
  timestamp: number;
  args: string | null;
  kwargs: string | null;
  result: string | null;
  exception: string | null;
  traceback: string | null;
  worker: string | null;
  client: string | null;
  queue: string | null;
  exchange: string | null;
  routing_key: string | null;
  root_id: string | null;
  parent_id: string | null;
  retries: number;
  eta: string | null;
  expires: string | null;
  sent: number | null;
  received: number | null;
  started: number | null;
  succeeded: number | null;
  failed: number | null;
  retried: number | null;
  revoked: number | null;
  rejected: number | null;
  /** Time of the terminal event (succeeded/failed/revoked/rejected), if any. */
  finished: number | null;
  /** Earliest event time seen for this task: the stable sort key of the task list. */
  seen_at: number;
  runtime: number | null;
  terminated: boolean | null;
  signum: number | null;
  expired: boolean | null;
  requeue: boolean | null;
  clock: number;
  /** When Celeriac decided the task was orphaned (its worker went offline or lost), if ever. */
  orphaned_at: number | null;
  /** Why: 'worker-offline', 'worker-lost' or 'unknown-after-gap'. Kept if the task later finishes. */
  orphan_reason: string | null;
}

/** Stored worker status. `idle` (online with nothing active) is derived by the views. */
export type WorkerStatus = 'online' | 'offline' | 'lost';

export interface Worker {
  hostname: string;
  status: WorkerStatus;
  freq: number;
  pid: number | null;
  clock: number;
  active: number;
  processed: number;
  loadavg: number[] | null;
  sw_ident: string | null;
  sw_ver: string | null;
  sw_sys: string | null;
  /** Local receive time of the last heartbeat/online/task event from this worker (epoch s). */
  last_heartbeat: number | null;
  /** Sender timestamp of the last event. */
  last_event: number | null;
  online_at: number | null;
  offline_at: number | null;
  first_seen: number;
}
