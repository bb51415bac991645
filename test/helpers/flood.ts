import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOOD_TOOL, PYTHON, requireShared } from './services.js';

export interface FloodSummary {
  events_total: number;
  broker_messages: number;
  achieved_rate: number;
  events_by_type: Record<string, number>;
  tasks_by_final_state: Record<string, number>;
  worker_hostnames: string[];
  [k: string]: unknown;
}

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
}): Promise<FloodSummary> {
  requireShared();
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-flood-'));
  const summary = join(dir, 'summary.json');
  const args = [
    FLOOD_TOOL, '--broker', opts.broker, '--tasks', String(opts.tasks), '--workers', String(opts.workers ?? 4),
    '--rate', String(opts.rate ?? 0), '--procs', String(opts.procs ?? 2), '--failure-ratio', String(opts.failureRatio ?? 0.1),
    '--multi', String(opts.multi ?? 1), '--summary', summary, ...(opts.extra ?? []),
  ];
  if (opts.hostnamePrefix) args.push('--hostname-prefix', opts.hostnamePrefix);
  await new Promise<void>((resolve, reject) => {
    const p = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`event-flood exited ${code}:\n${out.slice(-2000)}`))));
  });
  const s = JSON.parse(readFileSync(summary, 'utf8')) as FloodSummary;
  rmSync(dir, { recursive: true, force: true });
  return s;
}
