import type { Logger } from 'pino';
import type { BrokerAdapter } from '../broker/types.js';
import type { Config } from '../config/config.js';
import type { ControlPlane } from '../control/index.js';
import type { Ingestor } from '../ingest/pipeline.js';
import type { Metrics } from '../metrics/registry.js';
import type { HealthChecker } from '../state/health-checker.js';
import type { LiveState } from '../state/live.js';
import type { Store } from '../store/types.js';

/** What the HTTP layer may use. Routes get it from buildApp; nothing reaches for globals. */
export interface ApiContext {
  config: Config;
  store: Store;
  state: LiveState;
  broker: BrokerAdapter;
  metrics: Metrics;
  ingestor: Ingestor;
  log: Logger;
  /** The health timer (worker status, orphans, stale tasks); absent in tests that build a bare app. */
  health?: HealthChecker;
  /** Remote control, inspect, task sending, queue depth (absent: those routes answer 503). */
  control?: ControlPlane;
}
