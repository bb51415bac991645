import type { Config } from '../config/config.js';
import type { RetentionPolicy } from './retention.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store } from './types.js';

export type { Store, TaskQuery, TaskPage, StoredEvent, WriteBatch, WriteResult, SortField, StoreCounts } from './types.js';
export type { RetentionPolicy, RetentionResult } from './retention.js';
export { parseSearch, type SearchClause } from './query/search.js';

export function retentionPolicy(config: Config): RetentionPolicy {
  return {
    successDays: config.retentionSuccessDays ?? 0,
    failureDays: config.retentionFailureDays ?? 0,
    maxTasksPerState: config.retentionMaxTasksPerState ?? 0,
    intervalSeconds: config.retentionInterval ?? 300,
  };
}

/**
 * Picks the store for `--db`: a postgres:// URL or a SQLite file path. The PostgreSQL store and pg
 * are loaded only when used (start-up time on SQLite; docs/PERFORMANCE.md, Restart).
 */
export interface StoreHooks {
  /** Errors of background work (retention, partitions, checkpoints). */
  onBackgroundError?: (err: unknown) => void;
  /** SQLite: migrations about to upgrade an existing database (see migrateSqlite). */
  onUpgrade?: (pending: string[]) => void;
}

export async function createStore(config: Config, hooks: StoreHooks = {}): Promise<Store> {
  const common = { maxEventBytes: config.maxEventBytes, maxFieldBytes: config.maxFieldBytes, retention: retentionPolicy(config), onBackgroundError: hooks.onBackgroundError };
  if (/^postgres(ql)?:\/\//.test(config.db)) {
    const { PostgresStore } = await import('./postgres/store.js');
    return new PostgresStore({ url: config.db, ...common });
  }
  return new SqliteStore({ path: config.db, ...common, onUpgrade: hooks.onUpgrade });
}

/** createStore + open: a store ready to read and write (migrated, SQLite threads started). */
export async function openStore(config: Config, hooks: StoreHooks = {}): Promise<Store> {
  const store = await createStore(config, hooks);
  await store.open();
  return store;
}
