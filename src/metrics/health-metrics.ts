import type { Counter, Gauge, Histogram } from 'prom-client';
import type { HealthSummary } from '../state/health-checker.js';
import type { LiveState } from '../state/live.js';
import type { Metrics } from './registry.js';

/**
 * Keeps the health metrics in step with the live model: flower_worker_online goes to 0 for a
 * lost worker (Flower only knew worker-offline), every series of a purged worker is removed
 * (ephemeral hostnames must not pile up), and each health tick sets the gauges.
 */
export class HealthMetrics {
  constructor(
    private readonly m: Metrics,
    state: LiveState,
  ) {
    state.subscribe({
      worker: (w, ev) => {
        if (ev.derived !== undefined && w.status !== 'online') {
          m.flowerWorkerOnline.set({ worker: w.hostname }, 0);
          m.flowerWorkerExecuting.set({ worker: w.hostname }, 0);
        }
      },
      workerRemoved: (w) => void this.removeWorkerSeries(w.hostname),
    });
  }

  observe(s: HealthSummary): void {
    for (const [status, n] of Object.entries(s.workers)) this.m.workersByStatus.set({ status }, n);
    for (const [kind, n] of Object.entries(s.stale)) this.m.staleTasks.set({ kind }, n);
    for (const o of s.orphaned) this.m.orphanedTasks.inc({ reason: o.reason });
  }

  /** Removes every label set whose `worker` is this hostname, from every per-worker metric. */
  async removeWorkerSeries(hostname: string): Promise<void> {
    const perWorker: (Counter<string> | Gauge<string> | Histogram<string>)[] = [
      this.m.flowerWorkerOnline, this.m.flowerWorkerExecuting, this.m.flowerPrefetched,
      this.m.flowerPrefetchTime, this.m.flowerEvents, this.m.flowerRuntime,
    ];
    for (const metric of perWorker) {
      const seen = new Set<string>();
      for (const v of (await metric.get()).values) {
        if (v.labels.worker !== hostname) continue;
        const labels: Record<string, string | number> = {};
        for (const [k, x] of Object.entries(v.labels)) if (k !== 'le' && x !== undefined) labels[k] = x;
        const key = JSON.stringify(labels);
        if (seen.has(key)) continue;
        seen.add(key);
        metric.remove(labels);
      }
    }
  }
}
