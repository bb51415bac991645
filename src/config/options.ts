/**
 * The table of every setting Celeriac accepts. Each is a flag (`--name value` or `--name=value`),
 * an environment variable (`CELERIAC_NAME`, dashes as underscores) and has one default here.
 * Flower's spellings (`--enable_events`, `--inspect_timeout`, ...) are accepted because underscores
 * and dashes are treated alike.
 */
export type OptionKind = 'string' | 'int' | 'number' | 'bool';

export interface OptionSpec {
  kind: OptionKind;
  default?: string | number | boolean;
  help: string;
  /** Extra environment variables read when CELERIAC_* is not set (first wins). */
  env?: string[];
  /** Other flag names meaning the same (Flower's). */
  aliases?: string[];
  /** Never printed: masked in logs and in the effective-config dump. */
  secret?: boolean;
  min?: number;
  max?: number;
}

export const OPTIONS = {
  broker: {
    kind: 'string',
    help: 'Broker URL: redis://, rediss://, redis+socket://, amqp://, amqps://',
    env: ['CELERY_BROKER_URL', 'BROKER_URL'],
    secret: true,
  },
  port: { kind: 'int', default: 5555, help: 'HTTP port (0 picks a free one)', min: 0, max: 65535 },
  address: { kind: 'string', default: '127.0.0.1', help: 'Address to bind the HTTP server to' },
  db: {
    kind: 'string',
    default: './celeriac.db',
    help: 'Store: a SQLite file path, or a postgres:// URL',
    env: ['DATABASE_URL'],
    secret: true,
  },
  'log-level': {
    kind: 'string',
    default: 'info',
    help: 'trace, debug, info, warn, error, fatal or silent',
    aliases: ['logging'],
  },
  'instance-name': {
    kind: 'string',
    default: '',
    help: 'Name of this Celeriac instance (default: hostname). Names the RabbitMQ event queue',
  },
  'enable-events': {
    kind: 'bool',
    default: true,
    help: 'Broadcast enable_events periodically so workers started without -E send task events',
  },
  'enable-events-interval': {
    kind: 'number',
    default: 5,
    help: 'Seconds between enable_events broadcasts',
    min: 0.5,
  },
  'max-event-bytes': {
    kind: 'int',
    default: 524288,
    help: 'Broker messages larger than this are counted as malformed and skipped',
    min: 1024,
  },
  'max-field-bytes': {
    kind: 'int',
    default: 65536,
    help: 'args, kwargs, result and traceback longer than this are cut when stored',
    min: 256,
  },
  'flush-interval': {
    kind: 'int',
    default: 250,
    help: 'Milliseconds between store write batches (larger batches cost the store less per event: docs/PERFORMANCE.md)',
    min: 5,
    max: 10000,
  },
  'batch-size': { kind: 'int', default: 10000, help: 'Event messages per store write batch at most (a fuller one is written at once)', min: 1 },
  'max-pending-events': {
    kind: 'int',
    default: 200000,
    help: 'Event messages accepted but not yet stored, at most; beyond it events are dropped and counted',
    min: 1000,
  },
  'max-pending-mb': {
    kind: 'int',
    default: 128,
    help: 'Megabytes of event text accepted but not yet stored, at most; beyond it events are dropped and counted',
    min: 1,
  },
  'finished-cache-size': {
    kind: 'int',
    default: 20000,
    help: 'Recently finished tasks remembered in memory so late events merge correctly',
    min: 0,
  },
  'inspect-timeout': {
    kind: 'number',
    default: 1000,
    help: 'Milliseconds to wait for worker replies to inspect/control commands',
    min: 10,
  },
  'inspect-interval': {
    kind: 'number',
    default: 60,
    help: 'Seconds between refreshes of every worker\'s inspect data (stats, queues, ...); 0 = only on demand',
    min: 0,
  },
  'queue-history-interval': {
    kind: 'number',
    default: 10,
    help: 'Seconds between queue depth samples kept for the queue history (24 h at most, 8,640 samples per queue, 64 queues)',
    min: 0.5,
    max: 3600,
  },
  'broker-api': {
    kind: 'string',
    default: '',
    help: 'RabbitMQ management API URL for queue details, e.g. http://guest:guest@127.0.0.1:15672/api/',
    secret: true,
  },
  'redis-key-prefix': {
    kind: 'string',
    default: '',
    help: "Redis: kombu's global_keyprefix transport option, if the cluster sets one",
  },
  'broker-heartbeat': { kind: 'int', default: 60, help: 'AMQP heartbeat in seconds (0 = off)', min: 0 },
  'event-queue': {
    kind: 'string',
    default: '',
    help: 'RabbitMQ: name of the durable event queue (default celeriac.events.<instance-name>)',
  },
  'event-queue-expires': {
    kind: 'number',
    default: 3600,
    help: 'RabbitMQ: seconds an unused event queue survives (covers restarts and outages)',
    min: 1,
  },
  'retention-success-days': {
    kind: 'number',
    default: 0,
    help: 'Delete SUCCESS tasks (and their events) first seen more than this many days ago (0 = keep)',
    min: 0,
  },
  'retention-failure-days': {
    kind: 'number',
    default: 0,
    help: 'Delete all other tasks (failed, revoked, unfinished, ...) older than this many days (0 = keep)',
    min: 0,
  },
  'retention-max-tasks-per-state': {
    kind: 'int',
    default: 0,
    help: 'Keep at most this many tasks per state, deleting the oldest (0 = no limit)',
    min: 0,
  },
  'retention-interval': { kind: 'number', default: 300, help: 'Seconds between retention runs', min: 1 },
  prefetch: { kind: 'int', default: 20000, help: 'RabbitMQ: unacknowledged event messages at most (a write batch holds half of them at most)', min: 1 },
  'worker-lost-after': {
    kind: 'number',
    default: 3,
    help: 'A worker silent for this many of its own heartbeat periods (freq) without worker-offline is lost (Celery: 2)',
    min: 1,
  },
  'purge-offline-workers': {
    kind: 'number',
    default: 3600,
    help: 'Seconds after which offline/lost workers leave live views and metrics (0 = never); they stay in history',
    min: 0,
  },
  'offline-orphan-after': {
    kind: 'number',
    default: 60,
    help: 'Seconds after a worker-offline before its still-running tasks become ORPHANED (a warm shutdown lets them finish first)',
    min: 0,
  },
  'stale-started-after': {
    kind: 'number',
    default: 3600,
    help: 'A task STARTED longer than this many seconds is stale (0 = never)',
    min: 0,
  },
  'stale-received-after': {
    kind: 'number',
    default: 3600,
    help: 'A task RECEIVED but not started for longer than this many seconds is stale (0 = never)',
    min: 0,
  },
  'stale-limits': {
    kind: 'string',
    default: '',
    help: "Per-task-name stale limits, first match wins: 'tasks.slow=60,billing.*=600/120' (started[/received] seconds)",
  },
  'result-backend': {
    kind: 'string',
    default: '',
    help: 'Celery Redis result backend (redis://...): read final states of tasks that finished while Celeriac was away',
    secret: true,
  },
  reconcile: {
    kind: 'bool',
    default: true,
    help: 'After start and every broker reconnect, ask workers and the result backend about unfinished tasks',
  },
  'health-interval': {
    kind: 'number',
    default: 1,
    help: 'Seconds between worker health checks (lost workers, orphans, stale tasks)',
    min: 0.1,
    max: 60,
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
