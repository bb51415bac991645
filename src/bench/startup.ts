/**
 * Restart to serving, alone: `node dist/bench/startup.js [--runs 9] [--tasks 100000] [--db FILE]
 * [--cpu-prof DIR] [--broker URL] [--cli path/to/cli.js …]`. Fills a SQLite store (kept when --db
 * is given), then starts the built CLI on it `runs` times and reports spawn → "serving" line and
 * spawn → first HTTP 200 from /readyz (median, min, max), the process's CPU time (all threads) and
 * RSS at that point, and the load average. Several --cli builds are started in turn (A B A B …).
 * Start-up time does not depend on the store's size (docs/PERFORMANCE.md, Restart), so a small
 * store is enough.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fillHistory } from './fill.js';
import { measureStart } from './history.js';
import { loadAvg, percentile, procSample } from './proc.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    tasks: { type: 'string', default: '100000' },
    db: { type: 'string' },
    broker: { type: 'string', default: 'redis://127.0.0.1:6379/15' },
    'cpu-prof': { type: 'string' },
    cli: { type: 'string', multiple: true },
  },
});

const log = (s: string) => process.stderr.write(`${s}\n`);
const tmp = join(tmpdir(), `celeriac-startup-${process.pid}`);
const db = values.db ?? join(tmp, 'celeriac.db');
mkdirSync(dirname(db), { recursive: true });
try {
  const fill = await fillHistory(db, Number(values.tasks), log);
  log(`store: ${fill.tasks.toLocaleString('en')} tasks (${fill.added} added)`);
  const nodeArgs = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
  const runs = Number(values.runs);
  // Several --cli builds are started in turn (A B A B …), so a change in machine load hits all alike.
  const clis = values.cli?.length ? values.cli : [undefined];
  const serving = clis.map(() => [] as number[]);
  const ready = clis.map(() => [] as number[]);
  const cpu = clis.map(() => [] as number[]);
  const rss = clis.map(() => [] as number[]);
  const loadStart = loadAvg();
  for (let i = 0; i < runs; i++) {
    for (const [k, cli] of clis.entries()) {
      const s = await measureStart({ redisUrl: values.broker!, celeriacArgs: [] }, db, nodeArgs, cli);
      const sample = procSample(s.cel.pid);
      const cpuMs = (sample?.cpuS ?? Number.NaN) * 1000;
      rss[k]!.push(sample?.rssMb ?? Number.NaN);
      await s.cel.stop();
      cpu[k]!.push(cpuMs);
      serving[k]!.push(s.servingMs);
      ready[k]!.push(s.readyMs);
      log(`  run ${i + 1}${cli ? ` ${cli}` : ''}: serving ${Math.round(s.servingMs)} ms, /readyz 200 ${Math.round(s.readyMs)} ms, CPU ${Math.round(cpuMs)} ms, RSS ${Math.round(sample?.rssMb ?? Number.NaN)} MB (load ${loadAvg()})`);
    }
  }
  const fmt = (xs: number[], unit = 'ms') => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `median ${Math.round(percentile(sorted, 50))} ${unit}, min ${Math.round(sorted[0]!)}, max ${Math.round(sorted[sorted.length - 1]!)}`;
  };
  for (const [k, cli] of clis.entries()) {
    process.stdout.write(`${cli ?? 'dist/cli.js'}\n  spawn → first 200 /readyz: ${fmt(ready[k]!)}\n  spawn → serving line:      ${fmt(serving[k]!)}\n  CPU time until ready:      ${fmt(cpu[k]!)}\n  RSS when ready:            ${fmt(rss[k]!, 'MB')}\n`);
  }
  process.stdout.write(`runs ${runs} each, load ${loadStart} → ${loadAvg()}\n`);
} finally {
  if (!values.db) rmSync(tmp, { recursive: true, force: true });
}
