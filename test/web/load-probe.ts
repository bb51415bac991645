import type { Page } from 'playwright-core';

/**
 * What the load test measures inside the page: frame gaps (requestAnimationFrame), long
 * animation frames (the LoAF API, where Chromium has it), per-key input delay split by what the
 * user was doing (typing in the search box vs j/k in the list), and event-to-browser latency of
 * every row of every live update.
 */
export interface ProbeData {
  gaps: number[];
  /** keydown's timeStamp → the first animation frame after it (what the user waits to see). */
  keyToFrame: { search: number[]; nav: number[] };
  /** keydown's timeStamp → its handler running (time the event waited for the main thread). */
  keyQueue: { search: number[]; nav: number[] };
  loafCount: number;
  loafBlockingMs: number;
  lat: number[];
  live: Record<string, number>;
}

type Kind = 'search' | 'nav';

/** Installs the probe (once per page load). */
export async function installProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const p = {
      gaps: [] as number[],
      keyToFrame: { search: [] as number[], nav: [] as number[] },
      keyQueue: { search: [] as number[], nav: [] as number[] },
      loafCount: 0,
      loafBlockingMs: 0,
      lat: [] as number[],
    };
    (window as unknown as { __probe: typeof p }).__probe = p;
    let last = performance.now();
    const loop = (t: number) => {
      p.gaps.push(t - last);
      last = t;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          p.loafCount++;
          p.loafBlockingMs += (e as unknown as { blockingDuration: number }).blockingDuration ?? 0;
        }
      }).observe({ type: 'long-animation-frame' });
    }
    window.addEventListener(
      'keydown',
      (e) => {
        const el = e.target as HTMLElement | null;
        const kind: Kind | null = el?.tagName === 'INPUT' ? 'search' : e.key === 'j' || e.key === 'k' ? 'nav' : null;
        if (!kind || e.key === 'Escape') return;
        const at = e.timeStamp;
        p.keyQueue[kind].push(performance.now() - at);
        requestAnimationFrame(() => p.keyToFrame[kind].push(performance.now() - at));
      },
      true,
    );
    // Event to browser: receipt time minus the timestamp of the event that set each row's state
    // (the publisher runs on the same machine clock).
    const ws = (window as unknown as { __celeriacLive: { ws: WebSocket } }).__celeriacLive.ws;
    ws.addEventListener('message', (e: MessageEvent<string>) => {
      const now = Date.now() / 1000;
      const m = JSON.parse(e.data) as { type: string; subs?: Record<string, { timestamp: number }[]> };
      if (m.type !== 'update') return;
      for (const rows of Object.values(m.subs ?? {})) for (const r of rows) p.lat.push((now - r.timestamp) * 1000);
    });
  });
}

/** Returns what the probe collected since the last call and starts a new collection. */
export async function takeProbe(page: Page): Promise<ProbeData> {
  return page.evaluate(() => {
    const w = window as unknown as { __probe: Omit<ProbeData, 'live'>; __celeriacLive: { stats: Record<string, number> } };
    const p = w.__probe;
    const out = JSON.parse(JSON.stringify(p)) as ProbeData;
    out.live = { ...w.__celeriacLive.stats };
    p.gaps.length = 0;
    p.lat.length = 0;
    for (const k of ['search', 'nav'] as const) {
      p.keyToFrame[k].length = 0;
      p.keyQueue[k].length = 0;
    }
    p.loafCount = 0;
    p.loafBlockingMs = 0;
    return out;
  });
}

export const pct = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
};
export const r1 = (n: number): number => Math.round(n * 10) / 10;

/** Frame and input numbers of one round (ms unless named otherwise). */
export function summarize(d: ProbeData): Record<string, number> {
  const seconds = d.gaps.reduce((a, b) => a + b, 0) / 1000;
  const keys = (k: Kind) => ({
    [`${k}_keys`]: d.keyToFrame[k].length,
    [`${k}_input_to_frame_p50_ms`]: r1(pct(d.keyToFrame[k], 0.5)),
    [`${k}_input_to_frame_p95_ms`]: r1(pct(d.keyToFrame[k], 0.95)),
    [`${k}_input_to_frame_max_ms`]: r1(Math.max(...d.keyToFrame[k])),
    [`${k}_input_queue_p50_ms`]: r1(pct(d.keyQueue[k], 0.5)),
    [`${k}_input_queue_p95_ms`]: r1(pct(d.keyQueue[k], 0.95)),
  });
  return {
    fps: r1(d.gaps.length / seconds),
    frame_gap_p50_ms: r1(pct(d.gaps, 0.5)),
    frame_gap_p95_ms: r1(pct(d.gaps, 0.95)),
    frame_gap_p99_ms: r1(pct(d.gaps, 0.99)),
    frame_gap_max_ms: r1(Math.max(...d.gaps)),
    frames_over_50ms: d.gaps.filter((g) => g > 50).length,
    long_animation_frames: d.loafCount,
    long_animation_frames_blocking_ms: r1(d.loafBlockingMs),
    ...keys('search'),
    ...keys('nav'),
    event_to_browser_p50_ms: r1(pct(d.lat, 0.5)),
    event_to_browser_p99_ms: r1(pct(d.lat, 0.99)),
    event_to_browser_max_ms: r1(Math.max(...d.lat)),
  };
}
