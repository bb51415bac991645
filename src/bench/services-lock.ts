/**
 * One test run or benchmark at a time per machine. The tests and the bench use the machine's
 * Redis, RabbitMQ and PostgreSQL under fixed names (Redis db numbers, vhosts, databases), so two
 * runs at once see each other's events, delete each other's vhosts and count wrong; and a bench
 * beside a test run measures the tests. Whoever comes second waits here for the first to end.
 * The lock is a file holding the owner's pid; a lock whose owner is gone is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SERVICES_LOCK = join(tmpdir(), 'celeriac-services.lock');

function owner(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock (waiting up to `waitMs` for another run to finish) and returns its release.
 * Taking it again in the same process (vitest runs global setup once per project) is a no-op.
 */
export async function acquireServicesLock(
  what: string,
  opts: { waitMs?: number; path?: string; say?: (line: string) => void } = {},
): Promise<() => void> {
  const path = opts.path ?? SERVICES_LOCK;
  const end = Date.now() + (opts.waitMs ?? 15 * 60_000);
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (owner(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = owner(path);
    if (pid === process.pid) return () => undefined;
    if (pid === null || !alive(pid)) {
      // Left by a run that was killed (or is being written this instant: then it is ours next turn).
      if (pid !== null || Date.now() - startedAt(path) > 2000) rmSync(path, { force: true });
      await sleep(50);
      continue;
    }
    if (Date.now() > end) throw new Error(`${what}: another test run or benchmark (pid ${pid}) still holds ${path}; wait for it or stop it`);
    if (!told) (opts.say ?? ((l) => process.stderr.write(`${l}\n`)))(`${what}: waiting for another test run or benchmark (pid ${pid}) that uses the same Redis, RabbitMQ and PostgreSQL`);
    told = true;
    await sleep(1000);
  }
}

/** When the lock file was written (0 if it is gone). */
function startedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
