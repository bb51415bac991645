import { spawn, type ChildProcess } from 'node:child_process';
import { CELERY_APP_DIR, PYTHON, requireShared } from './services.js';
import { sleep } from './wait.js';

export interface CeleryWorker {
  name: string;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM (warm shutdown: worker-offline) and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL the whole process group (no worker-offline). */
  kill(): Promise<void>;
}

/**
 * Starts a real Celery worker of the fixture app (shared/fixtures/celery-app/tasks.py) and
 * waits until it is ready. `events: false` starts it without -E.
 */
export async function startWorker(opts: {
  broker: string;
  name: string;
  concurrency?: number;
  events?: boolean;
  env?: Record<string, string>;
  args?: string[];
  timeoutMs?: number;
}): Promise<CeleryWorker> {
  requireShared();
  const args = ['-m', 'celery', '-A', 'tasks', 'worker', '-l', 'info', '-n', opts.name, '--concurrency', String(opts.concurrency ?? 2), '--without-mingle'];
  if (opts.events !== false) args.push('-E');
  args.push(...(opts.args ?? []));
  const env: Record<string, string> = { ...(process.env as Record<string, string>), CELERY_BROKER_URL: opts.broker, ...opts.env };
  if (opts.events === false) env.CELERY_WORKER_SEND_TASK_EVENTS = '0';
  const proc = spawn(PYTHON, args, { cwd: CELERY_APP_DIR, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  const end = Date.now() + (opts.timeoutMs ?? 30000);
  while (!/ ready\./.test(out)) {
    if (proc.exitCode !== null) throw new Error(`celery worker ${opts.name} exited early:\n${out}`);
    if (Date.now() > end) {
      proc.kill('SIGKILL');
      throw new Error(`celery worker ${opts.name} not ready in time:\n${out}`);
    }
    await sleep(100);
  }
  // The group is signalled until it has been SIGKILLed once: after that its id may be reused by
  // an unrelated process group (pid_max is 32768 on the test machines).
  let groupKilled = false;
  const signalGroup = (sig: NodeJS.Signals) => {
    if (groupKilled) return;
    if (sig === 'SIGKILL') groupKilled = true;
    try {
      process.kill(-proc.pid!, sig);
    } catch {
      // already gone
    }
  };
  return {
    name: opts.name,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => signalGroup('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
      signalGroup('SIGKILL');
    },
    async kill() {
      signalGroup('SIGKILL');
      await exited;
    },
  };
}

/** Runs a short Python snippet with the fixture app importable (`from tasks import app, add`). */
export async function runPython(code: string, broker: string, env: Record<string, string> = {}): Promise<string> {
  requireShared();
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, ['-c', code], {
      cwd: CELERY_APP_DIR,
      env: { ...(process.env as Record<string, string>), CELERY_BROKER_URL: broker, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}:\n${err}${out}`))));
  });
}
