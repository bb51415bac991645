import type { Config } from '../config/config.js';
import { AppError } from '../shared/errors.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store } from './types.js';

export type { Store, TaskQuery, TaskPage, StoredEvent, WriteBatch, WriteResult, SortField, StoreCounts } from './types.js';
export { parseSearch, type SearchClause } from './query/search.js';

/** Picks the store for `--db`: a postgres:// URL or a SQLite file path. */
export function createStore(config: Config): Store {
  if (/^postgres(ql)?:\/\//.test(config.db)) {
    throw new AppError('CONFIG_INVALID', '--db: PostgreSQL is not supported yet');
  }
  return new SqliteStore({ path: config.db, maxEventBytes: config.maxEventBytes, maxFieldBytes: config.maxFieldBytes });
}
