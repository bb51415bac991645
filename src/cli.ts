#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { helpText, parseConfig } from './config/config.js';
import { describeError, isAppError } from './shared/errors.js';
import { createLogger, storeErrorLogger, upgradeLogger } from './shared/log.js';
import { openStore } from './store/index.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Start-up failures are one clear line on stderr and exit code 2 (config) or 1 (anything else). */
function die(err: unknown): never {
  const msg = describeError(err);
  process.stderr.write(`celeriac: ${msg}\n`);
  process.exit(isAppError(err) && err.code === 'CONFIG_INVALID' ? 2 : 1);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2));
  } catch (err) {
    die(err);
  }
  if (parsed.help) {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  if (parsed.version) {
    process.stdout.write(`${version()}\n`);
    return;
  }
  const config = parsed.config!;
  const log = createLogger(config.logLevel);
  // The store opens (SQLite: migration check, the writer thread booting on the other core) while
  // the rest of Celeriac (HTTP, broker, control plane) is loaded: runtime.ts is imported only now,
  // and the bundle evaluates it only then (docs/ARCHITECTURE.md, Build).
  const store = openStore(config, { onBackgroundError: storeErrorLogger(log), onUpgrade: upgradeLogger(log) });
  store.catch(() => undefined); // handled where startRuntime awaits it
  let runtime;
  try {
    const { startRuntime } = await import('./runtime.js');
    runtime = await startRuntime(config, log, { store });
  } catch (err) {
    die(err);
  }
  process.stdout.write(`Celeriac ${version()} serving ${runtime.url} (broker ${runtime.broker.displayUrl}, store ${runtime.store.kind})\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: flushing pending events');
    // Each step is bounded (pending events 30 s, each broker close 3 s); this is the backstop,
    // so a supervisor's stop never waits on a broker or disk that stopped answering.
    setTimeout(() => {
      log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time: exiting without it');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    runtime
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err: describeError(err) }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('unhandledRejection', (err) => log.error({ err: describeError(err) }, 'unhandled rejection'));
}

/** The longest a clean shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 60_000;

void main();
