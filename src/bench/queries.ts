import { readConfig } from './config.js';
import { background, freePort, runQueries, type QueryStat } from './history.js';
import { loadAvg, sleep, startCeleriac } from './proc.js';

/**
 * The history scenario's query suite alone, against an existing store (e.g. one kept with
 * BENCH_KEEP_HISTORY): starts the built CLI on it, runs the task-list queries (bench/history.ts querySuite) idle and then
 * while 5,000 events/s are published, and prints p50 / p95 per query with the load average.
 *
 *   node dist/bench/queries.js /tmp/bench-history/celeriac.db [repeats=10] [--idle-only]
 *
 * Also times GET /api/v1/stats. Uses BENCH_REDIS_URL like the bench (default db 15).
 */
const say = (s: string) => process.stdout.write(`${s}\n`);
const [db, repeatsArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!db) {
  process.stderr.write('usage: node dist/bench/queries.js STORE.db [repeats] [--idle-only]\n');
  process.exit(2);
}
const repeats = Number(repeatsArg ?? 10);
const cfg = readConfig([]);
const port = await freePort();
const cel = await startCeleriac(['--broker', cfg.redisUrl, '--db', db, '--port', String(port)], { timeoutMs: 600000 });
const print = (title: string, stats: QueryStat[]) => {
  say(`\n${title}`);
  say('| query | runs | p50 ms | p95 ms | max ms | rows |');
  say('|---|---|---|---|---|---|');
  for (const s of stats) say(`| ${s.name} | ${s.runs} | ${s.p50} | ${s.p95} | ${s.max} | ${s.rows}${s.errors ? ` (${s.errors} failed: ${s.error})` : ''} |`);
};
const statsTimes = async () => {
  const t: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    const r = await fetch(`${cel.url}/api/v1/stats`);
    await r.text();
    t.push(Math.round((performance.now() - s) * 10) / 10);
  }
  return t.join(', ');
};
try {
  say(`store ${db}, serving after ${Math.round(cel.servingMs)} ms; load ${loadAvg()}`);
  say(`GET /api/v1/stats idle: ${await statsTimes()} ms`);
  print(`idle, load at start ${loadAvg()}`, await runQueries(cel.url, repeats));
  say(`load at end ${loadAvg()}`);
  if (!process.argv.includes('--idle-only')) {
    const u = new URL(cfg.redisUrl);
    const pub = await background({
      host: u.hostname, port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0), rate: cfg.liveRate,
      durationS: 3600, multi: 0, workers: 8, failureRatio: 0.1, hostPrefix: 'histq',
    });
    try {
      await sleep(2000);
      const load0 = loadAvg();
      say(`GET /api/v1/stats ingesting: ${await statsTimes()} ms`);
      print(`ingesting ${cfg.liveRate}/s, load at start ${load0}`, await runQueries(cel.url, repeats));
      say(`load at end ${loadAvg()}`);
    } finally {
      pub.kill();
    }
  }
} finally {
  await cel.stop();
}
