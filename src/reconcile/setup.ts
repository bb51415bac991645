import type { Logger } from 'pino';
import type { BrokerStatus } from '../broker/types.js';
import type { Config } from '../config/config.js';
import { HealthMetrics } from '../metrics/health-metrics.js';
import type { Metrics } from '../metrics/registry.js';
import { HealthChecker } from '../state/health-checker.js';
import type { LiveState } from '../state/live.js';
import { parseStaleLimits, StaleRules } from '../state/stale.js';
import { Reconciler } from './reconciler.js';
import { RedisResultBackend } from './result-backend.js';
import type { TaskSource } from './task-source.js';

export interface HealthServices {
  health: HealthChecker;
  reconciler: Reconciler | null;
  /** Call once the broker is subscribed: starts the timer and the first reconciliation. */
  start(): void;
  /** Where reconciliation learns which tasks workers hold (the control module's pidbox client). */
  useTaskSource(source: TaskSource | null): void;
  /** Feed broker status changes (from BrokerAdapter.onStatus). */
  onBrokerStatus(status: BrokerStatus, reconnected: boolean): void;
  stop(): Promise<void>;
}

/**
 * Wires worker health (lost/offline/purge, orphans, stale tasks) and reconciliation after gaps.
 * Without a task source (no control plane) reconciliation still reads the result backend but
 * leaves tasks whose worker may still hold them alone.
 */
export function createHealthServices(deps: {
  config: Config;
  state: LiveState;
  metrics: Metrics;
  log: Logger;
  taskSource?: TaskSource | null;
}): HealthServices {
  const { config, state, metrics, log } = deps;
  const health = new HealthChecker(state, {
    policy: { lostAfter: config.workerLostAfter, purgeAfter: config.purgeOfflineWorkers },
    offlineStartedGrace: config.offlineOrphanAfter,
    stale: new StaleRules({
      startedAfter: config.staleStartedAfter,
      receivedAfter: config.staleReceivedAfter,
      overrides: parseStaleLimits(config.staleLimits),
    }),
  });
  const healthMetrics = new HealthMetrics(metrics, state);
  const results = config.resultBackend ? new RedisResultBackend(config.resultBackend) : null;
  const reconciler = config.reconcile
    ? new Reconciler({ state, health, tasks: deps.taskSource ?? null, results, metrics, log: log.child({ mod: 'reconcile' }), settleMs: 1500 })
    : null;
  const reconcile = (why: string) => {
    if (reconciler) reconciler.run(why).catch((err: unknown) => log.warn({ err: String(err) }, 'reconcile failed'));
  };
  return {
    health,
    reconciler,
    start() {
      health.listeningFrom();
      health.start(config.healthInterval, (s) => {
        healthMetrics.observe(s);
        if (s.lost.length) log.warn({ workers: s.lost }, 'workers lost (no heartbeat, no worker-offline)');
        if (s.orphaned.length) log.info({ tasks: s.orphaned.length }, 'tasks orphaned');
      });
      healthMetrics.observe(health.tick());
      reconcile('start');
    },
    useTaskSource(source) {
      reconciler?.useTaskSource(source);
    },
    onBrokerStatus(status, reconnected) {
      if (status === 'connected') {
        health.listeningFrom();
        if (reconnected) reconcile('reconnect');
      } else health.notListening();
    },
    async stop() {
      health.stop();
      await results?.close();
    },
  };
}
