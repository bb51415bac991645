import { startHeapTrimmer } from './shared/heap-trim.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './api/app.js';
import { createBroker } from './broker/index.js';
import type { BrokerAdapter } from './broker/types.js';
import type { Config } from './config/config.js';
import { ControlPlane, createControlTransport } from './control/index.js';
import { Wakeup } from './control/wakeup.js';
import { Ingestor } from './ingest/pipeline.js';
import { createMetrics, type Metrics } from './metrics/registry.js';
import { PidboxTaskSource } from './reconcile/pidbox-task-source.js';
import { createHealthServices } from './reconcile/setup.js';
import { LiveState } from './state/live.js';
import { cutter } from './store/rows.js';
import { openStore } from './store/index.js';
import type { Store } from './store/types.js';
import { storeErrorLogger, upgradeLogger } from './shared/log.js';

/** Tasks loaded back into the live model at start-up, at most (newest unfinished first). */
const SEED_LIMIT = 50000;

export interface Runtime {
  config: Config;
  store: Store;
  state: LiveState;
  broker: BrokerAdapter;
  metrics: Metrics;
  ingestor: Ingestor;
  http: FastifyInstance;
  /** The address the HTTP server listens on, e.g. http://127.0.0.1:5555 */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts everything in order: store (migrated) → live model seeded from it → broker
 * subscription → HTTP. Stopping goes the other way and flushes every accepted event first.
 * `opts.store` is a store already being opened (openStore), which the CLI starts before it loads
 * this module so that the SQLite threads boot while the rest of Celeriac is loaded.
 */
export async function startRuntime(config: Config, log: Logger, opts: { store?: Promise<Store> } = {}): Promise<Runtime> {
  const store = await (opts.store ?? openStore(config, { onBackgroundError: storeErrorLogger(log), onUpgrade: upgradeLogger(log) }));
  const state = new LiveState({ finishedCacheSize: config.finishedCacheSize, cut: cutter(config.maxFieldBytes) });
  state.seedWorkers(await store.listWorkers());
  state.seed(await store.unfinishedTasks(SEED_LIMIT));
  const metrics = createMetrics();
  let broker: BrokerAdapter;
  try {
    broker = createBroker(config, log);
  } catch (err) {
    await store.close();
    throw err;
  }
  const ingestor = new Ingestor(
    { state, store, broker, metrics, log: log.child({ mod: 'ingest' }) },
    {
      maxEventBytes: config.maxEventBytes,
      flushIntervalMs: config.flushInterval,
      // A RabbitMQ consumer gets at most --prefetch unacknowledged messages, and they are acked
      // only once stored: a batch must be written before it holds the whole window, or
      // delivery stops until the next timed flush (which capped ingest near prefetch / 0.1 s).
      batchSize: /^amqps?:/.test(config.broker) ? Math.max(1, Math.min(config.batchSize, Math.floor(config.prefetch / 2))) : config.batchSize,
      maxPendingMessages: config.maxPendingEvents,
      maxPendingChars: config.maxPendingMb * 1024 * 1024,
      // SQLite: the writer thread takes the next batch as soon as it is done with one. PostgreSQL:
      // one at a time (a second would be a second transaction on the same rows).
      maxWritesInFlight: store.kind === 'sqlite' ? 2 : 1,
    },
  );
  const wakeup = new Wakeup(broker, state, log.child({ mod: 'wakeup' }));
  const healthServices = createHealthServices({ config, state, metrics, log: log.child({ mod: 'health' }) });
  broker.onStatus((status, info) => {
    healthServices.onBrokerStatus(status, info.reconnected);
    metrics.brokerConnected.set(status === 'connected' ? 1 : 0);
    if (status === 'connected' && info.reconnected) {
      metrics.brokerReconnects.inc();
      log.info({ broker: broker.displayUrl }, 'reconnected to broker');
      void wakeup.kick();
    } else if (status === 'disconnected') {
      log.warn({ broker: broker.displayUrl }, 'lost broker connection; reconnecting');
    }
  });
  ingestor.start();
  try {
    await broker.start(ingestor);
  } catch (err) {
    await ingestor.drainAll(5000);
    await store.close();
    throw err;
  }
  metrics.brokerConnected.set(1);
  await wakeup.kick();
  if (config.enableEvents) wakeup.startEnableEvents(config.enableEventsInterval);

  const control = await startControl(config, store, state, log);
  // Reconciliation asks workers which tasks they hold through the control plane's pidbox client.
  if (control) healthServices.useTaskSource(new PidboxTaskSource(control.pidbox, log.child({ mod: 'reconcile' })));
  healthServices.start();
  const http = await buildApp({ config, store, state, broker, metrics, ingestor, control, log: log.child({ mod: 'http' }), health: healthServices.health });
  let url: string;
  try {
    url = await http.listen({ host: config.address, port: config.port });
  } catch (err) {
    wakeup.stop();
    await healthServices.stop();
    await control?.stop();
    await broker.stop();
    await ingestor.drainAll(5000);
    await store.close();
    throw err;
  }
  log.info({ url, broker: broker.displayUrl, store: store.kind }, 'celeriac is serving');
  // Collected once now: start-up (loading the code, the unfinished tasks) leaves garbage in the
  // old generation that the trimmer would otherwise count as its floor (V8 itself collected it
  // only ~16 s later, or after whatever the first users asked for).
  const heapTrimmer = startHeapTrimmer({ slackMb: 16, collectFirst: true });

  let stopped = false;
  return {
    config, store, state, broker, metrics, ingestor, http, url,
    async stop() {
      if (stopped) return;
      stopped = true;
      heapTrimmer.stop();
      wakeup.stop();
      await healthServices.stop();
      await http.close();
      await control?.stop();
      await broker.stop();
      const flushed = await ingestor.drainAll(30000);
      if (!flushed) log.error({ pending: ingestor.pending }, 'gave up flushing pending events at shutdown');
      await store.close();
    },
  };
}

/** The control plane on its own broker connections; a failure here only disables control. */
async function startControl(config: Config, store: Store, state: LiveState, log: Logger): Promise<ControlPlane | undefined> {
  const clog = log.child({ mod: 'control' });
  const transport = createControlTransport(config, clog);
  if (!transport) return undefined;
  try {
    await transport.start();
  } catch (err) {
    clog.warn({ err: err instanceof Error ? err.message : String(err) }, 'control transport not connected yet; it retries on use');
  }
  const control = new ControlPlane({ transport, store, state, log: clog, inspectTimeoutMs: config.inspectTimeout, instanceName: config.instanceName,
    queueHistoryIntervalS: config.queueHistoryInterval,
  });
  control.start(config.inspectInterval);
  return control;
}
