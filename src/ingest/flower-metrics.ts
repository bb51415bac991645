import type { Metrics } from '../metrics/registry.js';
import type { CeleryEvent, Task } from '../state/types.js';

/** Keeps Flower's six Prometheus metrics, with Flower's update rules (flower/events.py). */
export class FlowerMetrics {
  constructor(private readonly m: Metrics) {}

  observe(ev: CeleryEvent, task: Task | null): void {
    const worker = ev.hostname;
    if (task) {
      const name = task.name ?? '';
      this.m.flowerEvents.inc({ worker, type: ev.type, task: name });
      switch (ev.type) {
        case 'task-received':
          if (!task.eta) this.m.flowerPrefetched.inc({ worker, task: name });
          break;
        case 'task-started':
          if (!task.eta && task.received != null && task.started != null) {
            this.m.flowerPrefetchTime.set({ worker, task: name }, Math.max(0, task.started - task.received));
            this.m.flowerPrefetched.dec({ worker, task: name });
          }
          break;
        case 'task-succeeded':
        case 'task-failed':
          if (typeof ev.runtime === 'number') this.m.flowerRuntime.observe({ worker, task: name }, ev.runtime);
          this.m.flowerPrefetchTime.set({ worker, task: name }, 0);
          break;
      }
      return;
    }
    if (ev.type === 'worker-offline') {
      this.m.flowerWorkerOnline.set({ worker }, 0);
    } else {
      this.m.flowerWorkerOnline.set({ worker }, 1);
      if (ev.type === 'worker-heartbeat' && typeof ev.active === 'number') {
        this.m.flowerWorkerExecuting.set({ worker }, ev.active);
      }
    }
  }
}
