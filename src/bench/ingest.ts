import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchConfig } from './config.js';
import { getJson, loadAvg, procSample, scrape, sleep, startCeleriac, type CeleriacChild } from './proc.js';
import { forkPublisher, type PublishResult } from './publisher.js';

export interface IngestStep {
  broker: string;
  store: string;
  mode: 'unbatched' | 'multi24';
  targetRate: number;
  /** Seconds of publishing; a probe is a short step that only guides the search. */
  seconds: number;
  probe: boolean;
  published: number;
  stored: number;
  lost: number;
  publisherRate: number;
  publisherBehindS: number;
  /** Task events per second stored over the publishing window (+ drain). */
  storedRate: number;
  /** Seconds after the publisher finished until everything was stored. */
  drainS: number;
  maxPending: number;
  reconnects: number;
  dropped: number;
  minSubscribers: number;
  rssMaxMb: number;
  rssEndMb: number;
  /** Celeriac CPU (all threads) in cores, averaged over the publishing window. */
  celeriacCpu: number;
  publisherCpu: number;
  /** The broker server's CPU (redis-server or RabbitMQ's beam.smp), in cores. */
  brokerCpu: number;
  machineBusy: number;
  load: number;
  ok: boolean;
  /** The publisher could not reach the rate: the step says nothing about Celeriac's limit. */
  publisherLimited?: boolean;
  note?: string;
}


/**
 * Publisher CPU over the publishing window: from /proc while the processes live (RESP
 * publishers stay until killed), else their own total (amqplib publishers exit when done;
 * their start-up is then included).
 */
function pubCpuS(r: PublishResult, p0: number | null, p1: number | null): number {
  if (p0 !== null && p1 !== null && p1 > p0) return p1 - p0;
  return r.cpuS ?? 0;
}

/** The broker server's process on this machine (`redis-server`, or RabbitMQ's `beam.smp`). */
function brokerPid(comm: string): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) return Number(d);
    } catch {
      // process went away
    }
  }
  return null;
}

function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Where a step sends events and stores them (default: Redis + a fresh SQLite file). */
export interface IngestTarget {
  broker: 'redis' | 'rabbitmq';
  brokerUrl: string;
  store: 'sqlite' | 'postgres';
  /** --db for Celeriac; a fresh SQLite file per step when not given. */
  db?: string;
  /** Called before each step to give a fresh store (e.g. recreate a PostgreSQL database). */
  reset?: () => Promise<void>;
}

/** One step: Celeriac on a fresh store, publisher at `rate` for the configured time. */
export async function ingestStep(
  cfg: BenchConfig, mode: IngestStep['mode'], rate: number, profileDir?: string, target?: IngestTarget, seconds = cfg.ingestSeconds,
): Promise<IngestStep> {
  const tg: IngestTarget = target ?? { broker: 'redis', brokerUrl: cfg.redisUrl, store: 'sqlite', db: cfg.db ?? undefined };
  const dir = join(cfg.tmpDir, `ingest-${mode}-${rate}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await tg.reset?.();
  const db = tg.db ?? join(dir, 'celeriac.db');
  // BENCH_NODE_ARGS: extra Node/V8 flags for Celeriac in the ingest steps (experiments), after the launcher's
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const nodeArgs = [...extra, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])];
  const cel = await startCeleriac(['--broker', tg.brokerUrl, '--db', db, ...cfg.celeriacArgs], { nodeArgs });
  try {
    return await measureStep(cfg, mode, rate, tg, cel, seconds);
  } finally {
    // Stopped here also when a step fails half-way; stop() is a no-op once it has exited.
    await cel.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureStep(cfg: BenchConfig, mode: IngestStep['mode'], rate: number, tg: IngestTarget, cel: CeleriacChild, seconds: number): Promise<IngestStep> {
  const u = new URL(cfg.redisUrl);
  // One amqplib process publishes ~17,000 unbatched messages/s here, under RabbitMQ's own limit:
  // RabbitMQ steps use BENCH_PUBLISHERS processes (default 2), each at its share of the rate.
  const n = tg.broker === 'rabbitmq' ? Math.max(1, Number(process.env.BENCH_PUBLISHERS ?? 2)) : 1;
  const pubs = await Promise.all(
    Array.from({ length: n }, (_, k) =>
      forkPublisher({
        transport: tg.broker === 'rabbitmq' ? tg.brokerUrl : 'redis',
        host: u.hostname, port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0), rate: rate / n, durationS: seconds,
        multi: mode === 'multi24' ? 24 : 0, workers: 8, failureRatio: 0.1, hostPrefix: `bench${rate}p${k}`,
      }),
    ),
  );
  const pub = {
    pids: pubs.map((p) => p.pid),
    run: async (): Promise<PublishResult> => {
      const rs = await Promise.all(pubs.map((p) => p.run()));
      const sum = (f: (r: PublishResult) => number) => rs.reduce((a, r) => a + f(r), 0);
      return {
        taskEvents: sum((r) => r.taskEvents), tasks: sum((r) => r.tasks), messages: sum((r) => r.messages),
        workerMessages: sum((r) => r.workerMessages), replies: sum((r) => r.replies),
        minSubscribers: Math.min(...rs.map((r) => r.minSubscribers)), elapsedS: Math.max(...rs.map((r) => r.elapsedS)),
        achievedRate: sum((r) => r.achievedRate), behindS: Math.max(...rs.map((r) => r.behindS)), cpuS: sum((r) => r.cpuS ?? 0),
      };
    },
  };
  const rpid = brokerPid(tg.broker === 'rabbitmq' ? 'beam.smp' : 'redis-server');
  // CPU seconds of all publisher processes (null once one has gone).
  const pubCpu = () => {
    let n = 0;
    for (const pid of pub.pids) {
      const s = procSample(pid);
      if (!s) return null;
      n += s.cpuS;
    }
    return n;
  };
  const c0 = procSample(cel.pid)!;
  const p0 = pubCpu();
  const r0 = rpid ? procSample(rpid) : null;
  const m0 = machineCpu();
  let rssMax = c0.rssMb;
  let maxPending = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      await sleep(1000);
      const s = procSample(cel.pid);
      if (s) rssMax = Math.max(rssMax, s.rssMb);
      try {
        const m = await scrape(cel.url);
        maxPending = Math.max(maxPending, m.celeriac_store_pending_messages ?? 0);
      } catch {
        // a scrape may time out under load; the next one counts
      }
    }
  })();
  const t0 = performance.now();
  const result = await pub.run();
  const tPub = performance.now();
  const c1 = procSample(cel.pid)!;
  const p1 = pubCpu();
  const r1 = rpid ? procSample(rpid) : null;
  const m1 = machineCpu();
  // Wait for the store to catch up: stored == published. A step whose store is still behind
  // when its drain limit has passed has failed; waiting longer would only tell how far behind
  // it was (a failed step used to wait up to 3 minutes), so the count is taken 2 s after that.
  const probe = seconds < cfg.ingestSeconds;
  const drainLimitS = probe ? PROBE_DRAIN_S : FULL_DRAIN_S;
  let stored = 0;
  let lastChange = performance.now();
  let metrics: Record<string, number> = {};
  let caughtUp = false;
  for (;;) {
    metrics = await scrape(cel.url);
    const s = metrics.celeriac_events_stored_total ?? 0;
    if (s !== stored) lastChange = performance.now();
    stored = s;
    if (stored >= result.taskEvents && (metrics.celeriac_store_pending_messages ?? 0) === 0) {
      caughtUp = true;
      break;
    }
    if (performance.now() - lastChange > 10000 || performance.now() - tPub > (drainLimitS + 2) * 1000) break;
    await sleep(100);
  }
  const drainS = (performance.now() - tPub) / 1000;
  running = false;
  await sampler;
  // The exact count, from the store itself.
  const stats = await getJson<{ events: number }>(`${cel.url}/api/v1/stats`);
  stored = stats.body.events;
  const cEnd = procSample(cel.pid)!;
  const pubS = (tPub - t0) / 1000;
  const lost = result.taskEvents - stored;
  const step: IngestStep = {
    broker: tg.broker, store: tg.store, mode, targetRate: rate, seconds, probe, published: result.taskEvents, stored, lost,
    publisherRate: Math.round(result.achievedRate), publisherBehindS: Math.round(result.behindS * 10) / 10,
    storedRate: Math.round(stored / (pubS + drainS)), drainS: Math.round(drainS * 10) / 10, maxPending,
    reconnects: metrics.celeriac_broker_reconnects_total ?? 0, dropped: metrics.celeriac_events_dropped_total ?? 0,
    minSubscribers: result.minSubscribers, rssMaxMb: Math.round(Math.max(rssMax, cEnd.rssMb)), rssEndMb: Math.round(cEnd.rssMb),
    celeriacCpu: round2((c1.cpuS - c0.cpuS) / pubS), publisherCpu: round2(pubCpuS(result, p0, p1) / pubS),
    brokerCpu: r0 && r1 ? round2((r1.cpuS - r0.cpuS) / pubS) : 0, machineBusy: round2((m1.busy - m0.busy) / (m1.total - m0.total)),
    load: loadAvg(), ok: false,
  };
  const behind = result.achievedRate < rate * 0.95;
  step.publisherLimited = behind;
  step.ok = caughtUp && lost === 0 && drainS <= drainLimitS && result.minSubscribers >= 1 && !behind;
  if (behind) step.note = `publisher reached only ${step.publisherRate}/s`;
  else if (!caughtUp && lost > 0) {
    step.note = `store still behind ${drainS.toFixed(1)} s after the publisher stopped: ${lost} not stored by then (${step.dropped} dropped at the backlog cap, ${step.reconnects} reconnects)`;
  } else if (lost > 0) step.note = `lost ${lost}`;
  else if (result.minSubscribers < 1) step.note = 'Redis reported 0 subscribers (Celeriac was disconnected)';
  else if (!caughtUp || drainS > drainLimitS) step.note = `store ${drainS.toFixed(1)} s behind at the end (${probe ? 'a probe must catch up within' : 'not sustainable: the limit is'} ${drainLimitS} s)`;
  return step;
}

/**
 * How soon after the publisher stops the store must have everything. A full step may end up
 * to 5 s behind; a probe must be nearly level (1 s), since the store slows as it grows and a
 * probe that only just keeps up does not hold for the full length.
 */
const FULL_DRAIN_S = 5;
const PROBE_DRAIN_S = 1;

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * How the full-length steps (cfg.ingestSeconds) of a search are chosen. Only full runs count as
 * sustained; probes (cfg.probeSeconds) only guide the search.
 * - `probe-up` (default): probes start at `start` (default: the second rung) and go up while
 *   they pass; the highest passing probe then runs for the full length (if the first probe
 *   fails, the rung below it does).
 * - `full-first` (the target's own case, Redis unbatched): a full run at `start` first (a 15 s
 *   probe passes at rates whose 60 s run falls behind as the store grows, so probes only look
 *   upwards here). If it holds, a probe at the next rung, and if that passes, a full run there;
 *   if it fails, a full run at the rung below. At most three steps, two of them full: the
 *   budget of a full bench run is 15 minutes on a slow host too.
 * - `once`: one full run at `start` (the batched Redis run at the rate unbatched sustained;
 *   RabbitMQ at its target, where the publishers, not Celeriac, set the pace).
 * With probeSeconds 0 (or ≥ ingestSeconds), `probe-up` runs every step for the full length,
 * upwards until one fails.
 */
export type SearchPlan = 'probe-up' | 'full-first' | 'once';

export async function ingestSearch(
  cfg: BenchConfig, mode: IngestStep['mode'], steps: number[], log: (s: string) => void, target?: IngestTarget, start?: number,
  plan: SearchPlan = 'probe-up',
): Promise<IngestStep[]> {
  const out: IngestStep[] = [];
  const probing = cfg.probeSeconds > 0 && cfg.probeSeconds < cfg.ingestSeconds;
  const run = async (rate: number, seconds: number) => {
    log(`ingest ${target?.broker ?? 'redis'}+${target?.store ?? 'sqlite'} ${mode} @ ${rate}/s for ${seconds} s${seconds < cfg.ingestSeconds ? ' (probe)' : ''} (load ${loadAvg()})`);
    // BENCH_PROFILE_DIR: run Celeriac under --cpu-prof (summarise with dist/bench/profile-summary.js).
    const prof = process.env.BENCH_PROFILE_DIR ? `${process.env.BENCH_PROFILE_DIR}/${mode}-${rate}-${seconds}s` : undefined;
    const s = await ingestStep(cfg, mode, rate, prof, target, seconds);
    out.push(s);
    log(`  published ${s.published} (${s.publisherRate}/s) stored ${s.stored} lost ${s.lost} drain ${s.drainS}s rss ${s.rssMaxMb}MB cpu ${s.celeriacCpu} ${s.ok ? 'OK' : `FAIL: ${s.note}`}`);
    return s.ok;
  };
  await searchRates(steps, start, plan, probing, (rate, full) => run(rate, full ? cfg.ingestSeconds : cfg.probeSeconds));
  return out;
}

/**
 * The search of ingestSearch over `steps` (see SearchPlan), with `run(rate, full)` running one
 * step (full length or probe) and saying whether it passed.
 */
export async function searchRates(
  steps: number[], start: number | undefined, plan: SearchPlan, probing: boolean, run: (rate: number, full: boolean) => Promise<boolean>,
): Promise<void> {
  if (plan === 'once') {
    await run(start ?? steps[0]!, true);
    return;
  }
  const ladder = [...new Set(steps)].sort((a, b) => a - b);
  const at = start === undefined ? 1 : ladder.findIndex((r) => r >= start);
  const first = at < 0 ? ladder.length - 1 : Math.min(at, ladder.length - 1);
  if (plan === 'full-first') {
    if (await run(ladder[first]!, true)) {
      const up = ladder[first + 1];
      if (up !== undefined && (!probing || (await run(up, false)))) await run(up, true);
    } else if (first > 0) await run(ladder[first - 1]!, true);
    return;
  }
  if (!probing) {
    for (const rate of ladder) if (!(await run(rate, true))) break;
    return;
  }
  let best = -1;
  for (let i = first; i < ladder.length; i++) {
    if (!(await run(ladder[i]!, false))) break;
    best = i;
  }
  const full = best >= 0 ? best : first - 1;
  if (full >= 0) await run(ladder[full]!, true);
}

/** The highest rate of full-length steps that passed, or 0. */
export const bestSustained = (steps: IngestStep[]) => Math.max(0, ...steps.filter((s) => s.ok && !s.probe).map((s) => s.targetRate));

