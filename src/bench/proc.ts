import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const CLI = resolve(REPO_ROOT, 'dist/cli.js');
const CLK_TCK = 100;

export const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

/**
 * Writes the machine's dirty page cache out (`sync`) and resolves with the seconds it took, so a
 * measurement does not share the disk and the kernel's writeback threads with the writes of
 * whatever ran before it: a 10 M history fill leaves about 2 GB dirty, written back over the
 * next half minute, right through the restarts and queries measured on it (docs/PERFORMANCE.md).
 */
export async function flushDisk(): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((res) => execFile('sync', () => res()));
  return (performance.now() - t0) / 1000;
}

/** RSS, peak RSS (MB) and CPU seconds (user+system, all threads) of a process, from /proc. */
export function procSample(pid: number): { rssMb: number; hwmMb: number; cpuS: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, cpuS };
  } catch {
    return null;
  }
}

export interface CeleriacChild {
  url: string;
  proc: ChildProcess;
  pid: number;
  /** ms from spawn to the "serving" line. */
  servingMs: number;
  output(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * The V8 flags Celeriac runs with: those of the launcher's `#!/usr/bin/env -S node …` line
 * (scripts/cli-launcher.mjs), so a child started as `node <flags> dist/cli.js` runs as
 * `npx celeriac` does (and its code cache, made under them, is accepted).
 */
export function launcherNodeFlags(cli = CLI): string[] {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0]!;
  return /^#!\S*env -S node((?:\s+--\S+)*)\s*$/.exec(first)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

/** Starts the built CLI as a child process; resolves when it prints its "serving" line. */
export async function startCeleriac(args: string[], opts: { nodeArgs?: string[]; timeoutMs?: number; onSpawn?: (pid: number) => void; cli?: string } = {}): Promise<CeleriacChild> {
  const t0 = performance.now();
  const cli = opts.cli ?? CLI;
  const proc = spawn(process.execPath, [...launcherNodeFlags(cli), ...(opts.nodeArgs ?? []), cli, ...(args.includes('--port') ? [] : ['--port', '0']), '--log-level', 'warn', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  opts.onSpawn?.(proc.pid!);
  let out = '';
  let servingMs = 0;
  const served = new Promise<string>((res, rej) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m && !servingMs) {
        servingMs = performance.now() - t0;
        res(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => rej(new Error(`celeriac exited (${code}) before serving:\n${out.slice(-2000)}`)));
  });
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 120000);
  const url = await served.finally(() => clearTimeout(timer));
  return {
    url, proc, pid: proc.pid!, servingMs,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 60000);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Reads counters and gauges (without labels) from Celeriac's /metrics. */
export async function scrape(url: string): Promise<Record<string, number>> {
  const r = await fetch(`${url}/metrics`);
  const text = await r.text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(celeriac_[a-z_]+) ([0-9.eE+-]+)$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(url);
  const body = (await r.json()) as T;
  return { status: r.status, body, ms: performance.now() - t0 };
}

/** System load (1 min) and the machine's CPU count, for the report. */
export function loadAvg(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
