import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOOD_TOOL, PYTHON, requireShared } from './services.js';

export interface FloodSummary {
  events_total: number;
  broker_messages: number;
  achieved_rate: number;
  events_by_type: Record<string, number>;
  tasks_by_final_state: Record<string, number>;
  worker_hostnames: string[];
  /** The flood's own output (stdout and stderr), with flood-diag.py's close lines. */
  output: string;
  [k: string]: unknown;
}

const FLOOD_DIAG = join(dirname(fileURLToPath(import.meta.url)), 'flood-diag.py');

/** Runs shared/tools/event-flood.py (real Celery EventDispatcher) and returns its summary. */
export async function runFlood(opts: {
  broker: string;
  tasks: number;
  workers?: number;
  rate?: number;
  procs?: number;
  multi?: number;
  failureRatio?: number;
  hostnamePrefix?: string;
  extra?: string[];
  /** The flood is killed (all its processes) and the call fails after this long. Default 240 s. */
  timeoutMs?: number;
}): Promise<FloodSummary> {
  requireShared();
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-flood-'));
  const summary = join(dir, 'summary.json');
  const args = [
    FLOOD_DIAG, FLOOD_TOOL, '--broker', opts.broker, '--tasks', String(opts.tasks), '--workers', String(opts.workers ?? 4),
    '--rate', String(opts.rate ?? 0), '--procs', String(opts.procs ?? 2), '--failure-ratio', String(opts.failureRatio ?? 0.1),
    '--multi', String(opts.multi ?? 1), '--summary', summary, ...(opts.extra ?? []),
  ];
  if (opts.hostnamePrefix) args.push('--hostname-prefix', opts.hostnamePrefix);
  const timeoutMs = opts.timeoutMs ?? 240_000;
  let out = '';
  await new Promise<void>((resolve, reject) => {
    // Its own process group, so a time-out stops the emitter processes too.
    const p = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`event-flood did not finish in ${timeoutMs / 1000} s (killed); its output:\n${out.slice(-3000)}`));
    }, timeoutMs);
    // 'close', not 'exit': the output pipes are drained by then (flood-diag's last lines)
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`event-flood exited ${code}:\n${out.slice(-3000)}`));
    });
  });
  const s = JSON.parse(readFileSync(summary, 'utf8')) as FloodSummary;
  rmSync(dir, { recursive: true, force: true });
  return { ...s, output: out };
}
