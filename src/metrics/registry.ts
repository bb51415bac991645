import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric Celeriac exposes, on one registry per running instance.
 * Flower's six metrics keep Flower's names and labels so existing dashboards and alerts work.
 */
export function createMetrics(opts: { runtimeBuckets?: number[] } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'celeriac_' });
  const r = [registry];
  return {
    registry,
    // --- Flower-compatible ---
    flowerEvents: new Counter({ name: 'flower_events_total', help: 'Number of task events', labelNames: ['worker', 'type', 'task'], registers: r }),
    flowerRuntime: new Histogram({
      name: 'flower_task_runtime_seconds',
      help: 'Task runtime',
      labelNames: ['worker', 'task'],
      buckets: opts.runtimeBuckets ?? [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
      registers: r,
    }),
    flowerPrefetchTime: new Gauge({
      name: 'flower_task_prefetch_time_seconds',
      help: 'The time the task spent waiting at the worker to be executed',
      labelNames: ['worker', 'task'],
      registers: r,
    }),
    flowerPrefetched: new Gauge({
      name: 'flower_worker_prefetched_tasks',
      help: 'Number of tasks of given type prefetched at a worker',
      labelNames: ['worker', 'task'],
      registers: r,
    }),
    flowerWorkerOnline: new Gauge({ name: 'flower_worker_online', help: 'Worker online status', labelNames: ['worker'], registers: r }),
    flowerWorkerExecuting: new Gauge({
      name: 'flower_worker_number_of_currently_executing_tasks',
      help: 'Number of tasks currently executing at a worker',
      labelNames: ['worker'],
      registers: r,
    }),
    // --- Celeriac's own health ---
    eventsReceived: new Counter({ name: 'celeriac_events_received_total', help: 'Valid events decoded from the broker', registers: r }),
    messagesReceived: new Counter({ name: 'celeriac_broker_messages_total', help: 'Event messages received from the broker', registers: r }),
    malformed: new Counter({
      name: 'celeriac_malformed_messages_total',
      help: 'Broker messages (or array elements) skipped because they could not be read',
      labelNames: ['kind'],
      registers: r,
    }),
    eventsStored: new Counter({ name: 'celeriac_events_stored_total', help: 'Task events written to the store', registers: r }),
    eventsDuplicate: new Counter({ name: 'celeriac_events_duplicate_total', help: 'Task events already stored (not stored twice)', registers: r }),
    eventsDropped: new Counter({
      name: 'celeriac_events_dropped_total',
      help: 'Event messages dropped because the store fell too far behind (max-pending-events, max-pending-mb)',
      registers: r,
    }),
    pendingWrites: new Gauge({ name: 'celeriac_store_pending_messages', help: 'Event messages accepted but not yet stored', registers: r }),
    pendingBytes: new Gauge({ name: 'celeriac_store_pending_bytes', help: 'Characters of event text accepted but not yet stored (about bytes)', registers: r }),
    writeBatches: new Histogram({
      name: 'celeriac_store_write_seconds',
      help: 'Time to write one batch to the store',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
    writeErrors: new Counter({ name: 'celeriac_store_write_errors_total', help: 'Failed store writes (retried)', registers: r }),
    brokerConnected: new Gauge({ name: 'celeriac_broker_connected', help: '1 when connected to the broker', registers: r }),
    brokerReconnects: new Counter({ name: 'celeriac_broker_reconnects_total', help: 'Reconnections to the broker', registers: r }),
    inflightTasks: new Gauge({ name: 'celeriac_inflight_tasks', help: 'Unfinished tasks held in the live model', registers: r }),
    workersByStatus: new Gauge({ name: 'celeriac_workers', help: 'Known workers by status', labelNames: ['status'], registers: r }),
    // --- worker health, orphans, reconciliation (state/health-checker.ts, reconcile/) ---
    orphanedTasks: new Counter({
      name: 'celeriac_orphaned_tasks_total',
      help: 'Tasks marked ORPHANED: their worker went offline or lost, or their fate was unknown after a gap',
      labelNames: ['reason'],
      registers: r,
    }),
    staleTasks: new Gauge({
      name: 'celeriac_stale_tasks',
      help: 'In-flight tasks past their stale limit: received but not started, or started and still running',
      labelNames: ['kind'],
      registers: r,
    }),
    reconciledTasks: new Counter({
      name: 'celeriac_reconciled_tasks_total',
      help: 'Unfinished tasks settled by reconciliation after a start or reconnect, by outcome',
      labelNames: ['outcome'],
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
