import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { launcherNodeFlags } from '../../src/bench/proc.js';
import { REPO_ROOT } from './services.js';
import { sleep } from './wait.js';

export interface CeleriacProcess {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM: graceful (flushes), waits for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, waits for exit. */
  kill(): Promise<void>;
}

export const CLI = resolve(REPO_ROOT, 'dist/cli.js');

/**
 * Runs the built CLI (`npm run build` first; `npm test` does) on a free port and waits until it
 * serves. Flags are passed as given; --port 0 and --log-level warn are added unless present.
 */
export async function startCeleriac(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; /** run dist/cli.js itself (its `#!` line), as npx does */ executable?: boolean } = {},
): Promise<CeleriacProcess> {
  const full = [...args];
  if (!full.some((a) => a.startsWith('--port'))) full.push('--port', '0');
  if (!full.some((a) => a.startsWith('--log-level'))) full.push('--log-level', 'warn');
  // as `npx celeriac` runs it: under the launcher's V8 flags
  const [cmd, argv] = opts.executable ? [CLI, full] : [process.execPath, [...launcherNodeFlags(CLI), CLI, ...full]];
  const proc = spawn(cmd, argv, {
    cwd: REPO_ROOT,
    env: { ...(process.env as Record<string, string>), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const end = Date.now() + (opts.timeoutMs ?? 30000);
  let m: RegExpExecArray | null;
  while (!(m = /serving (http:\/\/\S+)/.exec(out))) {
    if (proc.exitCode !== null) throw new Error(`celeriac exited early (${proc.exitCode}):\n${out}`);
    if (Date.now() > end) {
      proc.kill('SIGKILL');
      throw new Error(`celeriac did not start in time:\n${out}`);
    }
    await sleep(50);
  }
  return {
    url: m[1]!,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      // Celeriac bounds its own shutdown (60 s); past that, say so instead of hanging the test.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((res) => (timer = setTimeout(() => res('late'), STOP_TIMEOUT_MS)));
      const code = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (code !== 'late') return code;
      proc.kill('SIGKILL');
      await exited;
      throw new Error(`celeriac did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM (killed); output (tail):\n${out.slice(-4000)}`);
    },
    async kill() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** How long stop() waits after SIGTERM (Celeriac's own shutdown deadline is 60 s). */
const STOP_TIMEOUT_MS = 75_000;

/** Runs the CLI to completion (for start-up failures) and returns its exit code and output. */
export async function runCeleriac(args: string[], timeoutMs = 20000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const p = spawn(process.execPath, [...launcherNodeFlags(CLI), CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolvePromise({ code, stdout, stderr });
    });
  });
}
