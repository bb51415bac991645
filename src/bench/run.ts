/**
 * `npm run bench`: runs the benchmark scenarios against the built CLI and prints one table;
 * the full results go to bench-results/<date>.json. Settings: see config.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readConfig, type BenchConfig } from './config.js';
import { historyScenario, type HistoryResult } from './history.js';
import { bestSustained, ingestSearch, type IngestStep, type IngestTarget } from './ingest.js';
import { liveScenario, type LiveResult } from './live.js';
import { flushDisk, loadAvg, REPO_ROOT, startCeleriac } from './proc.js';
import { renderTable, targetVerdicts, type TargetVerdict } from './report.js';
import { acquireServicesLock } from './services-lock.js';
import { writerAloneScenario, type WriterAloneResult } from './writer-alone.js';

export interface BenchResults {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memGb: number; node: string; loadAtStart: number; loadAtEnd?: number };
  config: Omit<BenchConfig, 'scenarios'> & { scenarios: string[] };
  /** The SQLite writer alone on this host (how fast the host is; writer-alone.ts). */
  writer?: WriterAloneResult;
  ingest: IngestStep[];
  skipped: Record<string, string>;
  history: HistoryResult[];
  live?: LiveResult;
  seconds?: number;
  /** Seconds each scenario took (the budget of a full run is 15 minutes). */
  phases: Record<string, number>;
  targets?: TargetVerdict[];
}

const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

/** Starts Celeriac once with this broker/store to see whether the build supports it. */
async function supported(cfg: BenchConfig, broker: string, db: string): Promise<string | null> {
  try {
    const c = await startCeleriac(['--broker', broker, '--db', db, ...cfg.celeriacArgs], { timeoutMs: 30000 });
    await c.stop();
    return null;
  } catch (err) {
    const text = String(err instanceof Error ? err.message : err);
    return /celeriac: (.*)/.exec(text)?.[1] ?? text.split('\n')[0]!;
  }
}

async function rabbitTarget(cfg: BenchConfig): Promise<{ target?: IngestTarget; skip?: string; cleanup: () => void }> {
  const vhost = 'celeriac-bench';
  try {
    execFileSync('rabbitmqctl', ['add_vhost', vhost], { stdio: 'ignore' });
    execFileSync('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], { stdio: 'ignore' });
  } catch {
    // exists already, or rabbitmqctl missing: the probe below will say
  }
  const cleanup = () => {
    try {
      execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
    } catch {
      // nothing to clean
    }
  };
  const url = cfg.amqpUrl.replace(/\/[^/]*$/, `/${vhost}`);
  const probeDb = join(cfg.tmpDir, 'probe-amqp.db');
  const why = await supported(cfg, url, probeDb);
  rmSync(probeDb, { force: true });
  if (why) return { skip: `--broker amqp:// not supported by this build (${why}); merge branch rabbit`, cleanup };
  return { target: { broker: 'rabbitmq', brokerUrl: url, store: 'sqlite' }, cleanup };
}

async function pgTarget(cfg: BenchConfig): Promise<{ target?: IngestTarget; skip?: string; cleanup: () => Promise<void> }> {
  const dbName = 'celeriac_bench';
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: `${cfg.pgUrl}/postgres` });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const reset = async () => {
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${dbName}`);
  };
  const cleanup = () => admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  try {
    await reset();
  } catch (err) {
    return { skip: `PostgreSQL at ${cfg.pgUrl} unavailable: ${String(err)}`, cleanup };
  }
  const url = `${cfg.pgUrl}/${dbName}`;
  const why = await supported(cfg, cfg.redisUrl, url);
  if (why) return { skip: `--db postgres:// not supported by this build (${why}); merge branch pg`, cleanup };
  return { target: { broker: 'redis', brokerUrl: cfg.redisUrl, store: 'postgres', db: url, reset }, cleanup };
}

async function main(): Promise<void> {
  const cfg = readConfig(process.argv.slice(2));
  // Not beside a test run or another bench: they share the services and the CPUs.
  const release = await acquireServicesLock('bench', { say: log });
  const t0 = performance.now();
  mkdirSync(cfg.tmpDir, { recursive: true });
  const res: BenchResults = {
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memGb: Math.round(totalmem() / 2 ** 30), node: process.version, loadAtStart: loadAvg() },
    config: { ...cfg, scenarios: [...cfg.scenarios] },
    ingest: [],
    skipped: {},
    history: [],
    phases: {},
  };
  const phase = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    // each scenario starts with the writes of the one before on disk
    const flushed = await flushDisk();
    if (flushed >= 1) log(`waited ${flushed.toFixed(1)} s for earlier writes to reach the disk`);
    const t = performance.now();
    try {
      return await f();
    } finally {
      res.phases[name] = Math.round((performance.now() - t) / 1000);
      log(`${name} took ${res.phases[name]} s`);
    }
  };
  const envSteps = (name: string, d: string) => (process.env[name] ?? d).split(',').map(Number);
  const envStart = (name: string, d: number) => Number(process.env[name] ?? d);
  const has = (s: string) => cfg.scenarios.has(s);
  log(`${res.machine.cpus} CPUs (${res.machine.cpuModel}), load ${res.machine.loadAtStart}; scenarios ${[...cfg.scenarios].join(',')}${cfg.quick ? ' (quick)' : ''}`);
  try {
    if (has('writer')) res.writer = await phase('writer', () => writerAloneScenario(cfg, log));
    // Redis unbatched (the target's case): a full-length step at BENCH_START first, then one
    // rung up or down (ingest.ts SearchPlan).
    const un = has('ingest') ? await phase('ingest', () => ingestSearch(cfg, 'unbatched', cfg.steps, log, undefined, cfg.start, 'full-first')) : [];
    res.ingest.push(...un);
    // Batched: one full-length step at the rate unbatched sustained (the same writer sets both
    // limits; a ladder of its own cost 85-110 s of the 15-minute budget).
    const multiRate = bestSustained(un) || cfg.start;
    if (has('ingest-multi')) res.ingest.push(...(await phase('ingest-multi', () => ingestSearch(cfg, 'multi24', cfg.steps, log, undefined, multiRate, 'once'))));
    if (has('rabbit')) await phase('rabbit', async () => {
      const r = await rabbitTarget(cfg);
      try {
        if (r.skip) res.skipped.rabbitmq = r.skip;
        else {
          // One full-length step at the target (28,000/s): the two publisher processes reach
          // 11,000-25,000/s on the hosts seen so far (the broker at one core), so the step shows
          // whether Celeriac stores everything the broker delivers. BENCH_RABBIT_STEPS (a list)
          // runs the probe ladder instead.
          const steps = envSteps('BENCH_RABBIT_STEPS', '28000');
          const start = envStart('BENCH_RABBIT_START', 28000);
          const plan = steps.length > 1 ? 'probe-up' : 'once';
          res.ingest.push(...(await ingestSearch(cfg, 'unbatched', steps, log, r.target, start, plan)));
          // The RabbitMQ target is unbatched; batched runs only when asked for (time budget).
          if (process.env.BENCH_RABBIT_MULTI === '1') res.ingest.push(...(await ingestSearch(cfg, 'multi24', steps, log, r.target, start, plan)));
        }
      } finally {
        r.cleanup();
      }
    });
    if (has('pg')) await phase('pg', async () => {
      const r = await pgTarget(cfg);
      try {
        if (r.skip) res.skipped.postgres = r.skip;
        else res.ingest.push(...(await ingestSearch(cfg, 'unbatched', envSteps('BENCH_PG_STEPS', '10000,20000,35000'), log, r.target, envStart('BENCH_PG_START', 20000))));
      } finally {
        await r.cleanup();
      }
    });
    if (has('history')) res.history = await phase('history', () => historyScenario(cfg, log));
    if (has('live')) {
      res.live = await phase('live', () => liveScenario(cfg, log));
      if (res.live.skipped) res.skipped.live = res.live.skipped;
    }
  } finally {
    res.seconds = Math.round((performance.now() - t0) / 1000);
    res.machine.loadAtEnd = loadAvg();
    res.targets = targetVerdicts(res);
    for (const [k, v] of Object.entries(res.skipped)) log(`skipped ${k}: ${v}`);
    const dir = join(REPO_ROOT, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${res.startedAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(res, null, 2)}\n`);
    if (!cfg.keepHistory) rmSync(cfg.tmpDir, { recursive: true, force: true });
    release();
    process.stdout.write(`${renderTable(res)}\nresults: ${file}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
