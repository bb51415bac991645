import { cpus } from 'node:os';

/**
 * Benchmark settings, from the environment (and `--flag value` arguments, same names in
 * kebab case: BENCH_SCENARIOS ⇔ --scenarios):
 *
 *   BENCH_QUICK=1            short steps (15 s) and a 1 M history instead of 10 M
 *   BENCH_SCENARIOS          comma list of writer,ingest,ingest-multi,rabbit,pg,history,live (default all)
 *   BENCH_WRITER_EVENTS      events the writer scenario (the SQLite writer alone) stores (default 300000;
 *                            100000 when quick)
 *   BENCH_STEPS              Redis ingest rates to try, in events/s (default 20000,30000,40000,50000,70000)
 *   BENCH_START              the rate of the first full-length Redis unbatched step (default 40000; then
 *                            one rung up or down: ingest.ts SearchPlan); batched runs one full step at
 *                            the rate unbatched sustained (or this one)
 *   BENCH_RABBIT_STEPS, BENCH_PG_STEPS  the same for RabbitMQ (default 28000: one full step at the
 *                            target; a list runs the probe ladder) and PostgreSQL (10000,20000,35000,
 *                            probed); BENCH_RABBIT_START (28000), BENCH_PG_START (20000);
 *                            BENCH_RABBIT_MULTI=1 adds batched RabbitMQ steps
 *   BENCH_INGEST_SECONDS     seconds of a sustained (confirming) step (default 60; 15 when quick)
 *   BENCH_PROBE_SECONDS      seconds of a probe step while searching for the limit (default 15; 5 when
 *                            quick; 0 = no probes, every step full length)
 *   BENCH_HISTORY_TASKS      largest history size (default 10000000; 1000000 when quick)
 *   BENCH_REDIS_URL          broker (default redis://127.0.0.1:6379/15)
 *   BENCH_AMQP_URL           RabbitMQ (default amqp://guest:guest@127.0.0.1:5672/%2F)
 *   BENCH_PG_URL             PostgreSQL server for the pg scenario (default postgres://postgres@127.0.0.1:5432)
 *   BENCH_TMP                scratch directory (default /tmp/celeriac-bench; deleted afterwards)
 *   BENCH_KEEP_HISTORY=path  keep (and reuse) the filled history database at this path
 */
export interface BenchConfig {
  quick: boolean;
  scenarios: Set<string>;
  steps: number[];
  start: number;
  ingestSeconds: number;
  probeSeconds: number;
  historyTasks: number;
  redisUrl: string;
  amqpUrl: string;
  pgUrl: string;
  tmpDir: string;
  keepHistory: string | null;
  /** Store for the ingest steps (default: a fresh SQLite file per step). */
  db: string | null;
  celeriacArgs: string[];
  /** Events the `writer` scenario stores (the SQLite write path alone, writer-alone.ts). */
  writerEvents: number;
  queryRepeats: number;
  liveClients: number;
  liveRate: number;
  /** Every n-th live client times its messages (1: all; the others only receive). */
  liveTimedEvery: number;
  cpus: number;
}

const ALL = ['writer', 'ingest', 'ingest-multi', 'rabbit', 'pg', 'history', 'live'];

export function readConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const vals: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('BENCH_') && v !== undefined) vals[k.slice(6).toLowerCase()] = v;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const [k, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const key = k.replace(/-/g, '_');
    if (inline !== undefined) vals[key] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) vals[key] = argv[++i]!;
    else vals[key] = '1';
  }
  const quick = vals.quick === '1' || vals.quick === 'true';
  const list = (s: string | undefined, d: string) => (s ?? d).split(',').map((x) => x.trim()).filter(Boolean);
  return {
    quick,
    scenarios: new Set(list(vals.scenarios, ALL.join(','))),
    steps: list(vals.steps, '20000,30000,40000,50000,70000').map(Number),
    start: Number(vals.start ?? 40000),
    ingestSeconds: Number(vals.ingest_seconds ?? (quick ? 15 : 60)),
    probeSeconds: Number(vals.probe_seconds ?? (quick ? 5 : 15)),
    historyTasks: Number(vals.history_tasks ?? (quick ? 1_000_000 : 10_000_000)),
    redisUrl: vals.redis_url ?? 'redis://127.0.0.1:6379/15',
    amqpUrl: vals.amqp_url ?? 'amqp://guest:guest@127.0.0.1:5672/%2F',
    pgUrl: vals.pg_url ?? 'postgres://postgres@127.0.0.1:5432',
    tmpDir: vals.tmp ?? '/tmp/celeriac-bench',
    keepHistory: vals.keep_history ?? null,
    db: vals.db ?? null,
    celeriacArgs: list(vals.celeriac_args, '').flatMap((x) => x.split(' ')),
    writerEvents: Number(vals.writer_events ?? (quick ? 100_000 : 300_000)),
    queryRepeats: Number(vals.query_repeats ?? (quick ? 10 : 30)),
    liveClients: Number(vals.live_clients ?? 50),
    liveRate: Number(vals.live_rate ?? 5000),
    liveTimedEvery: Math.max(1, Number(vals.live_timed_every ?? 1)),
    cpus: cpus().length,
  };
}
