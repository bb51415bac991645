import { pino, type Logger } from 'pino';
import { describeError } from './errors.js';

/** Structured JSON logs on stderr (stdout stays free for the banner and for pipes). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'celeriac' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

/** The store's background-error callback (partition upkeep, retention): logged, never thrown. */
export function storeErrorLogger(log: Logger): (err: unknown) => void {
  return (err) => log.error({ err: describeError(err) }, 'store background task failed (partition upkeep or retention)');
}

/** Logs a SQLite upgrade before it runs: a migration may rebuild an index for minutes. */
export function upgradeLogger(log: Logger): (pending: string[]) => void {
  return (pending) =>
    log.warn({ migrations: pending }, 'upgrading the database schema; on a store of millions of tasks this can take minutes (it runs once)');
}
