import { pino, type Logger } from 'pino';

/** Structured JSON logs on stderr (stdout stays free for the banner and for pipes). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'celeriac' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}
