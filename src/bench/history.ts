import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { BenchConfig } from './config.js';
import { fillHistory, NAMES, WORKERS } from './fill.js';
import { flushDisk, loadAvg, percentile, procSample, sleep, startCeleriac, type CeleriacChild } from './proc.js';
import { forkPublisher, type PublisherChild, type PublisherOptions } from './publisher.js';
import { removeDb } from './writer-run.js';

export interface QueryStat {
  name: string;
  query: string;
  runs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  rows: number;
  /** Runs answered with another status than 200 (e.g. 504 after the reader's 15 s limit); their time counts. */
  errors?: number;
  error?: string;
}

export interface HistoryResult {
  tasks: number;
  fillSeconds: number;
  dbBytes: number;
  restarts: { servingMs: number; readyMs: number }[];
  restartMedianMs: number;
  rssAfterStartMb: number;
  rssAfterQueriesMb: number;
  /** The lowest of ten samples over the 10 s after the queries: what stays resident once the burst's garbage is collected. */
  rssSettledMb: number;
  rssPeakMb: number;
  queriesIdle: QueryStat[];
  queriesIngesting?: QueryStat[];
  ingestRateDuringQueries?: number;
  load: number;
}

export function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/** The task-list filters the UI offers, as GET /api/v1/tasks query strings. */
export function querySuite(): { name: string; query: string }[] {
  const now = Date.now() / 1000;
  const day = now - 10 * 86400;
  return [
    { name: 'all (newest first)', query: '' },
    { name: 'state=FAILURE', query: 'state=FAILURE' },
    { name: 'state=REVOKED (1.5%)', query: 'state=REVOKED' },
    { name: 'several states', query: 'state=FAILURE,REVOKED,REJECTED' },
    { name: 'name (common)', query: `name=${NAMES[1]}` },
    { name: 'name (rare)', query: `name=${NAMES[38]}` },
    { name: 'name glob', query: 'name=billing.*' },
    { name: 'worker', query: `worker=${encodeURIComponent(WORKERS[6]!)}` },
    { name: 'queue=low', query: 'queue=low' },
    { name: 'exception_type', query: 'exception_type=ValueError' },
    { name: 'received last hour', query: `received_from=${now - 3600}&received_to=${now}` },
    { name: 'seen: one day, 10 days ago', query: `seen_from=${day}&seen_to=${day + 86400}` },
    { name: 'state+worker+day', query: `state=FAILURE&worker=${encodeURIComponent(WORKERS[3]!)}&seen_from=${day}&seen_to=${day + 86400}` },
    { name: 'sort=-runtime', query: 'sort=-runtime' },
    { name: 'sort=-finished', query: 'sort=-finished' },
    { name: 'sort=name', query: 'sort=name' },
    { name: 'sort=-timestamp (Flower default)', query: 'sort=-timestamp' },
    { name: 'name (common) sort=-runtime', query: `name=${NAMES[1]}&sort=-runtime` },
    { name: 'name (rare) sort=-runtime', query: `name=${NAMES[38]}&sort=-runtime` },
    { name: 'state=FAILURE sort=-runtime', query: 'state=FAILURE&sort=-runtime' },
    { name: 'worker sort=runtime', query: `worker=${encodeURIComponent(WORKERS[6]!)}&sort=runtime` },
    { name: 'state=FAILURE sort=-received', query: 'state=FAILURE&sort=-received' },
    { name: 'text search (bare word)', query: `q=${encodeURIComponent('acme-4242')}` },
    { name: 'text search (no match)', query: `q=${encodeURIComponent('zebra-unicorn')}` },
    { name: 'search exception:', query: `q=${encodeURIComponent('exception:"order 123457"')}` },
    { name: 'search state+args', query: `q=${encodeURIComponent('state:FAILURE args:"(5, 35)"')}` },
  ];
}

export async function runQueries(url: string, repeats: number, capMs = 15000): Promise<QueryStat[]> {
  const out: QueryStat[] = [];
  for (const q of querySuite()) {
    const times: number[] = [];
    let rows = 0;
    let errors = 0;
    let error: string | undefined;
    const t0 = performance.now();
    for (let i = 0; i < repeats && (i < 2 || performance.now() - t0 < capMs); i++) {
      const s = performance.now();
      const r = await fetch(`${url}/api/v1/tasks?${q.query}`);
      const body = (await r.json()) as { items?: unknown[] };
      times.push(performance.now() - s);
      // A query that fails (a 504 after the reader's time limit) is a result too, not the end of the run.
      if (r.status !== 200) {
        errors++;
        error = `HTTP ${r.status} ${JSON.stringify(body).slice(0, 160)}`;
        continue;
      }
      rows = body.items?.length ?? 0;
    }
    times.sort((a, b) => a - b);
    const r1 = (x: number) => Math.round(x * 10) / 10;
    out.push({
      ...q, runs: times.length, p50: r1(percentile(times, 50)), p95: r1(percentile(times, 95)), p99: r1(percentile(times, 99)), max: r1(times[times.length - 1]!), rows,
      ...(errors ? { errors, error } : {}),
    });
  }
  return out;
}

/** Spawns the CLI on `db` and times spawn → "serving" line and spawn → first HTTP 200 from /readyz. */
export async function measureStart(cfg: Pick<BenchConfig, 'redisUrl' | 'celeriacArgs'>, db: string, nodeArgs: string[] = [], cli?: string): Promise<{ cel: CeleriacChild; servingMs: number; readyMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  let readyMs = 0;
  const poll = (async () => {
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (r.status === 200) {
          readyMs = performance.now() - t0;
          return;
        }
      } catch {
        // not listening yet
      }
      if (performance.now() - t0 > 120000) return;
      await sleep(5);
    }
  })();
  const cel = await startCeleriac(['--broker', cfg.redisUrl, '--db', db, '--port', String(port), ...cfg.celeriacArgs], { nodeArgs, cli });
  await poll;
  return { cel, servingMs: cel.servingMs, readyMs };
}

/** Starts a background publisher (kill it to stop). */
export async function background(opts: PublisherOptions): Promise<PublisherChild> {
  const pub = await forkPublisher(opts);
  void pub.run().catch(() => undefined); // ends when killed
  return pub;
}

export async function historyScenario(cfg: BenchConfig, log: (s: string) => void): Promise<HistoryResult[]> {
  const big = cfg.keepHistory ?? join(cfg.tmpDir, 'history', 'celeriac.db');
  mkdirSync(dirname(big), { recursive: true });
  const sizes = cfg.historyTasks > 1_000_000 ? [1_000_000, cfg.historyTasks] : [cfg.historyTasks];
  // One store per size (the smaller beside the larger: celeriac-1m.db): a fresh store fills on
  // both cores (fill.ts), so two fresh fills (11 M rows) take less time than one store extended
  // from 1 M to 10 M on one core.
  const storeOf = (size: number) => (size === sizes[sizes.length - 1] ? big : big.replace(/(\.db)?$/, `-${size / 1_000_000}m.db`));
  const results: HistoryResult[] = [];
  let running: CeleriacChild | null = null;
  try {
    for (const size of sizes) {
      const db = storeOf(size);
      log(`history: filling ${db} to ${size.toLocaleString('en')} tasks (load ${loadAvg()})`);
      const fill = await fillHistory(db, size, (s) => log(s));
      log(`  ${fill.added} added in ${fill.seconds.toFixed(0)} s; its writes reached the disk ${(await flushDisk()).toFixed(1)} s later`);
      const dbBytes = statSync(db).size;
      const restarts: { servingMs: number; readyMs: number }[] = [];
      let cel: CeleriacChild | null = null;
      for (let i = 0; i < 3; i++) {
        if (cel) await cel.stop();
        const s = await measureStart(cfg, db);
        cel = s.cel;
        running = cel;
        restarts.push({ servingMs: Math.round(s.servingMs), readyMs: Math.round(s.readyMs) });
      }
      log(`  restart to serving: ${restarts.map((r) => `${r.servingMs}/${r.readyMs} ms`).join(', ')} (serving line / first 200 /readyz)`);
      const c = cel!;
      const rssAfterStartMb = Math.round(procSample(c.pid)!.rssMb);
      const queriesIdle = await runQueries(c.url, cfg.queryRepeats);
      const after = procSample(c.pid)!;
      // What stays once the burst's garbage is collected: the lowest of ten samples over the
      // next 10 s (when V8 and the heap trimmer give memory back varies by seconds between
      // runs, docs/PERFORMANCE.md; a single sample at 3 s made the 1 M / 10 M comparison flip).
      let settledMb = Infinity;
      for (let i = 0; i < 10; i++) {
        await sleep(1000);
        settledMb = Math.min(settledMb, procSample(c.pid)!.rssMb);
      }
      const res: HistoryResult = {
        tasks: size, fillSeconds: Math.round(fill.seconds), dbBytes, restarts,
        restartMedianMs: [...restarts].sort((a, b) => a.readyMs - b.readyMs)[1]!.readyMs,
        rssAfterStartMb, rssAfterQueriesMb: Math.round(after.rssMb), rssSettledMb: Math.round(settledMb), rssPeakMb: Math.round(after.hwmMb), queriesIdle, load: loadAvg(),
      };
      log(`  rss after start ${rssAfterStartMb} MB, after queries ${res.rssAfterQueriesMb} MB, lowest in the 10 s after ${res.rssSettledMb} MB`);
      if (size === sizes[sizes.length - 1]) {
        const u = new URL(cfg.redisUrl);
        const pub = await background({
          host: u.hostname, port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0), rate: cfg.liveRate,
          durationS: 3600, multi: 0, workers: 8, failureRatio: 0.1, hostPrefix: 'histq',
        });
        await sleep(2000);
        const t0 = performance.now();
        try {
          res.queriesIngesting = await runQueries(c.url, cfg.queryRepeats);
        } finally {
          pub.kill();
        }
        res.ingestRateDuringQueries = cfg.liveRate;
        log(`  queries while ingesting ${cfg.liveRate}/s took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
        const final = procSample(c.pid)!;
        res.rssPeakMb = Math.round(final.hwmMb);
      }
      await c.stop();
      running = null;
      results.push(res);
      // The smaller store is not needed any more (disk: 0.7 GB at 1 M) unless kept.
      if (!cfg.keepHistory && db !== big) removeDb(db);
    }
  } finally {
    // A failed query must not leave Celeriac (or the background publisher) running.
    if (running) await (running as CeleriacChild).stop();
    if (!cfg.keepHistory) rmSync(dirname(big), { recursive: true, force: true });
  }
  return results;
}
