import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { BenchConfig } from './config.js';
import { loadAvg, percentile, procSample, sleep, startCeleriac } from './proc.js';
import { forkPublisher } from './publisher.js';

export interface LiveResult {
  skipped?: string;
  clients: number;
  /** Clients that timed their messages (BENCH_LIVE_TIMED_EVERY). */
  timedClients?: number;
  rate: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rssMaxMb: number;
  load: number;
}

/**
 * Walks a WebSocket message and yields the event timestamps (epoch s) of the task updates it
 * carries: any object with a `uuid` and a numeric `timestamp`. This does not depend on the
 * exact envelope of /api/v1/live, only on it sending tasks the way the REST API shows them.
 */
function* taskTimestamps(v: unknown, depth = 0): Generator<number> {
  if (depth > 6 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) yield* taskTimestamps(x, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.uuid === 'string' && typeof o.timestamp === 'number') {
    yield o.timestamp;
    return;
  }
  for (const k in o) yield* taskTimestamps(o[k], depth + 1);
}


export async function liveScenario(cfg: BenchConfig, log: (s: string) => void): Promise<LiveResult> {
  const base: LiveResult = { clients: cfg.liveClients, rate: cfg.liveRate, samples: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, rssMaxMb: 0, load: loadAvg() };
  const dir = join(cfg.tmpDir, 'live');
  mkdirSync(dir, { recursive: true });
  const cel = await startCeleriac(['--broker', cfg.redisUrl, '--db', join(dir, 'celeriac.db'), ...cfg.celeriacArgs]);
  const wsUrl = `${cel.url.replace(/^http/, 'ws')}/api/v1/live`;
  const lat: number[] = [];
  const sockets: WebSocket[] = [];
  try {
    const probe = await new Promise<string | null>((res) => {
      const ws = new WebSocket(wsUrl);
      ws.once('open', () => {
        ws.close();
        res(null);
      });
      ws.once('unexpected-response', (_req, r) => res(`GET /api/v1/live answered HTTP ${r.statusCode}`));
      ws.once('error', (e) => res(`WebSocket /api/v1/live failed: ${e.message}`));
    });
    if (probe) return { ...base, skipped: `${probe}: the live socket is not in this build (branch web)` };
    for (let i = 0; i < cfg.liveClients; i++) {
      const ws = new WebSocket(wsUrl);
      // BENCH_LIVE_TIMED_EVERY=n: only every n-th client parses and times its messages (the
      // others still receive every byte): this process's own JSON parsing of 50 streams, on the
      // machine Celeriac runs on, otherwise delays the 'message' callbacks it times
      if (i % cfg.liveTimedEvery !== 0) {
        sockets.push(ws);
        continue;
      }
      ws.on('message', (data) => {
        const now = Date.now() / 1000;
        try {
          for (const ts of taskTimestamps(JSON.parse(String(data)))) lat.push((now - ts) * 1000);
        } catch {
          // not JSON: ignore
        }
      });
      sockets.push(ws);
    }
    await Promise.all(sockets.map((ws) => new Promise<void>((res) => ws.once('open', () => res()))));
    // Subscribe to the whole task list (live.routes.ts: same params as GET /api/v1/tasks).
    for (const ws of sockets) ws.send(JSON.stringify({ type: 'subscribe', id: 'tasks', params: {} }));
    const u = new URL(cfg.redisUrl);
    const seconds = cfg.quick ? 15 : 30;
    const pub = await forkPublisher({
      host: u.hostname, port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0), rate: cfg.liveRate, durationS: seconds,
      multi: 0, workers: 8, failureRatio: 0.1, hostPrefix: 'live',
    });
    let rssMax = 0;
    const done = pub.run();
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, procSample(cel.pid)?.rssMb ?? 0)), 1000);
    await done;
    await sleep(1000);
    clearInterval(sampler);
    log(`  live: ${lat.length} task updates received by ${cfg.liveClients} clients`);
    if (lat.length === 0) return { ...base, skipped: 'connected to /api/v1/live but recognised no task updates (protocol not understood by the bench)' };
    lat.sort((a, b) => a - b);
    const r1 = (x: number) => Math.round(x * 10) / 10;
    return { ...base, timedClients: Math.ceil(cfg.liveClients / cfg.liveTimedEvery), samples: lat.length, p50Ms: r1(percentile(lat, 50)), p99Ms: r1(percentile(lat, 99)), maxMs: r1(lat[lat.length - 1]!), rssMaxMb: Math.round(rssMax), load: loadAvg() };
  } finally {
    for (const ws of sockets) ws.terminate();
    await cel.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
