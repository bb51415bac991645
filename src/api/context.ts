import type { Logger } from 'pino';
import type { BrokerAdapter } from '../broker/types.js';
import type { Config } from '../config/config.js';
import type { ControlPlane } from '../control/index.js';
import type { Ingestor } from '../ingest/pipeline.js';
import type { Metrics } from '../metrics/registry.js';
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
  /** Remote control, inspect, task sending, queue depth (absent: those routes answer 503). */
  control?: ControlPlane;
}
