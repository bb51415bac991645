-- PostgreSQL twin of migrations/sqlite/0001_init.sql. Same columns and meaning; times are
-- epoch seconds (double precision) so both stores share the query builder and row helpers.
CREATE TABLE tasks (
  uuid TEXT NOT NULL PRIMARY KEY,
  name TEXT,
  state TEXT NOT NULL,
  rank SMALLINT NOT NULL,
  timestamp DOUBLE PRECISION NOT NULL,
  args TEXT,
  kwargs TEXT,
  result TEXT,
  exception TEXT,
  exception_type TEXT,
  traceback TEXT,
  worker TEXT,
  client TEXT,
  queue TEXT,
  exchange TEXT,
  routing_key TEXT,
  root_id TEXT,
  parent_id TEXT,
  retries INTEGER NOT NULL DEFAULT 0,
  eta TEXT,
  expires TEXT,
  sent DOUBLE PRECISION,
  received DOUBLE PRECISION,
  started DOUBLE PRECISION,
  succeeded DOUBLE PRECISION,
  failed DOUBLE PRECISION,
  retried DOUBLE PRECISION,
  revoked DOUBLE PRECISION,
  rejected DOUBLE PRECISION,
  finished DOUBLE PRECISION,
  seen_at DOUBLE PRECISION NOT NULL,
  runtime DOUBLE PRECISION,
  terminated BOOLEAN,
  signum INTEGER,
  expired BOOLEAN,
  requeue BOOLEAN,
  clock BIGINT NOT NULL DEFAULT 0
);

-- One index per task-list filter (see store/query/sql.ts), most ending in seen_at, the default sort.
CREATE INDEX tasks_seen ON tasks (seen_at, uuid);
CREATE INDEX tasks_state_seen ON tasks (state, seen_at);
CREATE INDEX tasks_name_seen ON tasks (name, seen_at);
CREATE INDEX tasks_worker_seen ON tasks (worker, seen_at);
CREATE INDEX tasks_queue_seen ON tasks (queue, seen_at);
CREATE INDEX tasks_received ON tasks (received);
CREATE INDEX tasks_started ON tasks (started);
CREATE INDEX tasks_finished ON tasks (finished);
CREATE INDEX tasks_runtime ON tasks (runtime) WHERE runtime IS NOT NULL;
CREATE INDEX tasks_retries ON tasks (retries) WHERE retries > 0;
CREATE INDEX tasks_root ON tasks (root_id) WHERE root_id IS NOT NULL;
CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX tasks_exception_type ON tasks (exception_type, seen_at) WHERE exception_type IS NOT NULL;
CREATE INDEX tasks_unfinished ON tasks (seen_at) WHERE finished IS NULL;

-- Task events, append-only, partitioned by day on the event timestamp so that retention drops
-- whole partitions (store/postgres/partitions.ts creates them ahead, as needed). The identity
-- key includes the partition key, so it can be unique: the same event delivered twice, or
-- written by two Celeriac instances, is stored once (INSERT ... ON CONFLICT DO NOTHING).
CREATE TABLE task_events (
  uuid TEXT NOT NULL,
  timestamp DOUBLE PRECISION NOT NULL,
  type TEXT NOT NULL,
  hostname TEXT NOT NULL,
  clock BIGINT NOT NULL,
  data TEXT
) PARTITION BY RANGE (timestamp);
CREATE UNIQUE INDEX task_events_identity ON task_events (uuid, timestamp, type, hostname, clock);
-- Events whose day has no partition (wild timestamps far in the past or future).
CREATE TABLE task_events_default PARTITION OF task_events DEFAULT;

-- Events of tasks that outlive the partition they were written to (failures kept longer than
-- successes): retention copies them here before dropping a partition.
CREATE TABLE task_events_kept (
  uuid TEXT NOT NULL,
  timestamp DOUBLE PRECISION NOT NULL,
  type TEXT NOT NULL,
  hostname TEXT NOT NULL,
  clock BIGINT NOT NULL,
  data TEXT
);
CREATE UNIQUE INDEX task_events_kept_identity ON task_events_kept (uuid, timestamp, type, hostname, clock);

CREATE TABLE workers (
  hostname TEXT NOT NULL PRIMARY KEY,
  status TEXT NOT NULL,
  freq DOUBLE PRECISION NOT NULL,
  pid INTEGER,
  clock BIGINT NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 0,
  processed BIGINT NOT NULL DEFAULT 0,
  loadavg TEXT,
  sw_ident TEXT,
  sw_ver TEXT,
  sw_sys TEXT,
  last_heartbeat DOUBLE PRECISION,
  last_event DOUBLE PRECISION,
  online_at DOUBLE PRECISION,
  offline_at DOUBLE PRECISION,
  first_seen DOUBLE PRECISION NOT NULL
);
