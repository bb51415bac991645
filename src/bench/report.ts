import type { BenchResults } from './run.js';

const TARGETS = {
  redisSqlite: 50000,
  rabbit: 28000,
  rssMb: 250,
  queryP95Ms: 50,
  restartMs: 1000,
  liveP99Ms: 250,
};

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);
const verdict = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'MET' : 'MISSED');

/** One plain-text table of everything the run measured, with the product targets. */
export function renderTable(r: BenchResults): string {
  const L: string[] = [];
  L.push(`Celeriac benchmark ${r.startedAt}  ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memGb} GB, node ${r.machine.node}`);
  L.push(`load average at start ${r.machine.loadAtStart}, at end ${r.machine.loadAtEnd ?? '?'}; run took ${r.seconds ?? '?'} s${r.config.quick ? ' (BENCH_QUICK)' : ''}`);
  L.push('');
  if (r.ingest.length) {
    L.push('Sustained ingest (zero loss = stored task events == published, store caught up within 5 s)');
    L.push(`${pad('broker+store', 17)}${pad('batching', 10)}${lpad('secs', 6)}${lpad('target/s', 9)}${lpad('pub/s', 8)}${lpad('published', 11)}${lpad('stored', 10)}${lpad('lost', 9)}${lpad('drain s', 8)}${lpad('rss MB', 7)}${lpad('cpu', 6)}${lpad('load', 6)}  result`);
    for (const s of r.ingest) {
      L.push(`${pad(`${s.broker}+${s.store}`, 17)}${pad(s.mode, 10)}${lpad(`${s.seconds}${s.probe ? 'p' : ''}`, 6)}${lpad(s.targetRate, 9)}${lpad(s.publisherRate, 8)}${lpad(s.published, 11)}${lpad(s.stored, 10)}${lpad(s.lost, 9)}${lpad(s.drainS, 8)}${lpad(s.rssMaxMb, 7)}${lpad(s.celeriacCpu, 6)}${lpad(s.load, 6)}  ${s.ok ? 'ok' : `FAIL ${s.note ?? ''}`}`);
    }
    L.push('  (p = a short probe while searching for the limit; only full-length steps count as sustained)');
    L.push('');
  }
  for (const h of r.history) {
    L.push(`History: ${h.tasks.toLocaleString('en')} stored tasks (db ${(h.dbBytes / 2 ** 30).toFixed(2)} GB, filled in ${h.fillSeconds} s)`);
    L.push(`  restart to serving (first 200 from /readyz): ${h.restarts.map((x) => `${x.readyMs} ms`).join(', ')}  median ${h.restartMedianMs} ms`);
    L.push(`  RSS: after start ${h.rssAfterStartMb} MB, after queries ${h.rssAfterQueriesMb} MB, peak ${h.rssPeakMb} MB`);
    L.push(`  ${pad('query (GET /api/v1/tasks, first page)', 40)}${lpad('p50', 8)}${lpad('p95', 8)}${lpad('p99', 8)}${lpad('runs', 5)}${h.queriesIngesting ? `${lpad('p50*', 9)}${lpad('p95*', 8)}${lpad('p99*', 8)}` : ''}`);
    h.queriesIdle.forEach((q, i) => {
      const w = h.queriesIngesting?.[i];
      L.push(`  ${pad(q.name, 40)}${lpad(q.p50, 8)}${lpad(q.p95, 8)}${lpad(q.p99, 8)}${lpad(q.runs, 5)}${w ? `${lpad(w.p50, 9)}${lpad(w.p95, 8)}${lpad(w.p99, 8)}` : ''}`);
    });
    if (h.queriesIngesting) L.push(`  (* = while ingesting ${h.ingestRateDuringQueries} events/s; ms)`);
    L.push('');
  }
  if (r.live && !r.live.skipped) {
    L.push(`Live: ${r.live.clients} WebSocket clients at ${r.live.rate} events/s: p50 ${r.live.p50Ms} ms, p99 ${r.live.p99Ms} ms, max ${r.live.maxMs} ms (${r.live.samples} updates)`);
    L.push('');
  }
  for (const [k, v] of Object.entries(r.skipped)) L.push(`skipped ${k}: ${v}`);
  L.push('');
  L.push('Targets (product.md)');
  const best = (broker: string, store: string) =>
    Math.max(0, ...r.ingest.filter((s) => s.ok && !s.probe && s.broker === broker && s.store === store && s.mode === 'unbatched').map((s) => s.targetRate));
  const hasIngest = (broker: string, store: string) => r.ingest.some((s) => s.broker === broker && s.store === store);
  const redisBest = best('redis', 'sqlite');
  const multiBest = Math.max(0, ...r.ingest.filter((s) => s.ok && !s.probe && s.broker === 'redis' && s.store === 'sqlite' && s.mode === 'multi24').map((s) => s.targetRate));
  L.push(`  ingest Redis+SQLite >= ${TARGETS.redisSqlite}/s zero loss (unbatched): ${hasIngest('redis', 'sqlite') ? `${redisBest}/s ${verdict(redisBest >= TARGETS.redisSqlite)}; task.multi x24: ${multiBest}/s` : 'n/a'}`);
  const rb = best('rabbitmq', 'sqlite');
  L.push(`  ingest RabbitMQ >= ${TARGETS.rabbit}/s zero loss: ${hasIngest('rabbitmq', 'sqlite') ? `${rb}/s ${verdict(rb >= TARGETS.rabbit)}` : 'n/a'}`);
  const big = r.history[r.history.length - 1];
  if (big) {
    const rss = Math.max(big.rssAfterStartMb, big.rssAfterQueriesMb);
    L.push(`  RSS with ${big.tasks.toLocaleString('en')} tasks <= ${TARGETS.rssMb} MB: ${rss} MB (peak ${big.rssPeakMb} MB) ${verdict(rss <= TARGETS.rssMb)}`);
    const worst = (qs: { p95: number; name: string }[]) => qs.reduce((a, b) => (b.p95 > a.p95 ? b : a));
    const wi = worst(big.queriesIdle);
    L.push(`  first page p95 <= ${TARGETS.queryP95Ms} ms (idle): worst ${wi.p95} ms (${wi.name}) ${verdict(wi.p95 <= TARGETS.queryP95Ms)}`);
    if (big.queriesIngesting) {
      const ww = worst(big.queriesIngesting);
      L.push(`  first page p95 <= ${TARGETS.queryP95Ms} ms (ingesting): worst ${ww.p95} ms (${ww.name}) ${verdict(ww.p95 <= TARGETS.queryP95Ms)}`);
    }
    L.push(`  restart to serving <= ${TARGETS.restartMs} ms: median ${big.restartMedianMs} ms ${verdict(big.restartMedianMs <= TARGETS.restartMs)}`);
  }
  if (r.live) L.push(`  event to WebSocket p99 <= ${TARGETS.liveP99Ms} ms: ${r.live.skipped ? 'n/a (skipped)' : `${r.live.p99Ms} ms ${verdict(r.live.p99Ms <= TARGETS.liveP99Ms)}`}`);
  return L.join('\n');
}
