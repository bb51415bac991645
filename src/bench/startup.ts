/**
 * Restart-to-serving alone: `node dist/bench/startup.js [--runs 9] [--tasks 100000] [--db FILE]
 * [--cpu-prof DIR] [--broker URL] [--cli path/to/cli.js]`. Fills a SQLite store (kept when --db is given), then starts the
 * built CLI on it `runs` times and reports spawn → "serving" line and spawn → first HTTP 200 from
 * /readyz (median, min, max) with the load average. Start-up time does not depend on the store's
 * size (docs/PERFORMANCE.md, Restart), so a small store is enough.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fillHistory } from './fill.js';
import { measureStart } from './history.js';
import { loadAvg, percentile } from './proc.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    tasks: { type: 'string', default: '100000' },
    db: { type: 'string' },
    broker: { type: 'string', default: 'redis://127.0.0.1:6379/15' },
    'cpu-prof': { type: 'string' },
    cli: { type: 'string' },
  },
});

const log = (s: string) => process.stderr.write(`${s}\n`);
const tmp = join(tmpdir(), `celeriac-startup-${process.pid}`);
const db = values.db ?? join(tmp, 'celeriac.db');
mkdirSync(dirname(db), { recursive: true });
try {
  const fill = fillHistory(db, Number(values.tasks), log);
  log(`store: ${fill.tasks.toLocaleString('en')} tasks (${fill.added} added)`);
  const nodeArgs = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
  const runs = Number(values.runs);
  const serving: number[] = [];
  const ready: number[] = [];
  const loadStart = loadAvg();
  for (let i = 0; i < runs; i++) {
    const s = await measureStart({ redisUrl: values.broker!, celeriacArgs: [] }, db, nodeArgs, values.cli);
    await s.cel.stop();
    serving.push(s.servingMs);
    ready.push(s.readyMs);
    log(`  run ${i + 1}: serving ${Math.round(s.servingMs)} ms, /readyz 200 ${Math.round(s.readyMs)} ms (load ${loadAvg()})`);
  }
  const fmt = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `median ${Math.round(percentile(sorted, 50))} ms, min ${Math.round(sorted[0]!)}, max ${Math.round(sorted[sorted.length - 1]!)}`;
  };
  process.stdout.write(`spawn → first 200 /readyz: ${fmt(ready)}\nspawn → serving line:      ${fmt(serving)}\nruns ${runs}, load ${loadStart} → ${loadAvg()}\n`);
} finally {
  if (!values.db) rmSync(tmp, { recursive: true, force: true });
}
