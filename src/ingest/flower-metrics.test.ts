import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics/registry.js';
import { LiveState } from '../state/live.js';
import type { CeleryEvent } from '../state/types.js';
import { FlowerMetrics } from './flower-metrics.js';

/** Flower's update rules applied straight to prom-client, one call per event (the reference). */
function reference(events: CeleryEvent[]): Promise<string> {
  const m = createMetrics();
  const state = new LiveState({ finishedCacheSize: 100 });
  for (const ev of events) {
    const task = state.apply(ev);
    const worker = ev.hostname;
    if (task) {
      const name = task.name ?? '';
      m.flowerEvents.inc({ worker, type: ev.type, task: name });
      if (ev.type === 'task-received' && !task.eta) m.flowerPrefetched.inc({ worker, task: name });
      if (ev.type === 'task-started' && !task.eta && task.received != null && task.started != null) {
        m.flowerPrefetchTime.set({ worker, task: name }, Math.max(0, task.started - task.received));
        m.flowerPrefetched.dec({ worker, task: name });
      }
      if (ev.type === 'task-succeeded' || ev.type === 'task-failed') {
        if (typeof ev.runtime === 'number') m.flowerRuntime.observe({ worker, task: name }, ev.runtime);
        m.flowerPrefetchTime.set({ worker, task: name }, 0);
      }
    } else m.flowerWorkerOnline.set({ worker }, ev.type === 'worker-offline' ? 0 : 1);
  }
  return flowerLines(m);
}

async function flowerLines(m: ReturnType<typeof createMetrics>): Promise<string> {
  return (await m.registry.metrics()).split('\n').filter((l) => l.startsWith('flower_')).sort().join('\n');
}

const t = (type: string, uuid: string, ts: number, host: string, extra: Partial<CeleryEvent> = {}): CeleryEvent => ({ type, uuid, timestamp: ts, hostname: host, clock: ts, ...extra });

describe('FlowerMetrics', () => {
  it('gives the same metrics as updating prom-client on every event', async () => {
    const events: CeleryEvent[] = [
      { type: 'worker-online', hostname: 'w1', timestamp: 1 },
      t('task-received', 'a', 2, 'w1', { name: 'add' }),
      t('task-received', 'b', 3, 'w1', { name: 'add' }),
      t('task-started', 'a', 4, 'w1'),
      t('task-succeeded', 'a', 5, 'w1', { runtime: 0.3 }),
      t('task-started', 'b', 6, 'w1'),
      t('task-received', 'c', 7, 'w2', { name: 'mul', eta: '2030-01-01T00:00:00' }),
      t('task-started', 'c', 8, 'w2'),
      t('task-failed', 'c', 9, 'w2', { runtime: 2 }),
      t('task-received', 'd', 10, 'w2', { name: 'div' }),
      t('task-started', 'd', 11, 'w2'),
      { type: 'worker-offline', hostname: 'w2', timestamp: 12 },
    ];
    const m = createMetrics();
    const state = new LiveState({ finishedCacheSize: 100 });
    const fm = new FlowerMetrics(m);
    for (const ev of events.slice(0, 5)) fm.observe(ev, state.apply(ev));
    await m.registry.metrics(); // a scrape in the middle hands over what was gathered so far
    for (const ev of events.slice(5)) fm.observe(ev, state.apply(ev));
    expect(await flowerLines(m)).toBe(await reference(events));
  });
});
