/**
 * Retention settings shared by both stores. Age is measured from a task's `seen_at` (its
 * first event). Successful tasks and everything else (failures, revoked, rejected, retried,
 * never finished) have separate horizons so failures can be kept longer. 0 means "keep".
 */
export interface RetentionPolicy {
  /** Days to keep SUCCESS tasks and their events (0 = forever). */
  successDays: number;
  /** Days to keep every other task and its events (0 = forever). */
  failureDays: number;
  /** At most this many tasks per state; the oldest beyond it are deleted (0 = no limit). */
  maxTasksPerState: number;
  /** Seconds between retention runs. */
  intervalSeconds: number;
}

export interface RetentionResult {
  tasksDeleted: number;
  eventsDeleted: number;
  /** Whole event partitions dropped (PostgreSQL only). */
  partitionsDropped: number;
}

export const NO_RETENTION: RetentionPolicy = { successDays: 0, failureDays: 0, maxTasksPerState: 0, intervalSeconds: 300 };

export const DAY_SECONDS = 86400;

export const retentionEnabled = (p: RetentionPolicy) => p.successDays > 0 || p.failureDays > 0 || p.maxTasksPerState > 0;

/** The seen_at before which tasks of each class expire, or null when that class is kept. */
export function cutoffs(p: RetentionPolicy, now: number): { success: number | null; failure: number | null } {
  return {
    success: p.successDays > 0 ? now - p.successDays * DAY_SECONDS : null,
    failure: p.failureDays > 0 ? now - p.failureDays * DAY_SECONDS : null,
  };
}

/** Rows deleted per statement, so a large backlog never becomes one huge transaction. */
export const RETENTION_CHUNK = 5000;
