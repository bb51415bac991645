-- Tasks: one row per task, the merged current view. Merging is order-independent
-- (see src/state/merge.ts and the upsert in src/store/sqlite/statements.ts).
CREATE TABLE tasks (
  uuid TEXT NOT NULL PRIMARY KEY,
  name TEXT,
  state TEXT NOT NULL,
  rank INTEGER NOT NULL,
  timestamp REAL NOT NULL,
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
  sent REAL,
  received REAL,
  started REAL,
  succeeded REAL,
  failed REAL,
  retried REAL,
  revoked REAL,
  rejected REAL,
  finished REAL,
  seen_at REAL NOT NULL,
  runtime REAL,
  terminated INTEGER,
  signum INTEGER,
  expired INTEGER,
  requeue INTEGER,
  clock INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX tasks_seen ON tasks (seen_at, uuid);
CREATE INDEX tasks_state_seen ON tasks (state, seen_at);
CREATE INDEX tasks_name_seen ON tasks (name, seen_at);
CREATE INDEX tasks_worker_seen ON tasks (worker, seen_at);
CREATE INDEX tasks_queue_seen ON tasks (queue, seen_at);
CREATE INDEX tasks_received ON tasks (received);
CREATE INDEX tasks_started ON tasks (started);
CREATE INDEX tasks_finished ON tasks (finished);
CREATE INDEX tasks_root ON tasks (root_id) WHERE root_id IS NOT NULL;
CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX tasks_exception_type ON tasks (exception_type, seen_at) WHERE exception_type IS NOT NULL;
CREATE INDEX tasks_unfinished ON tasks (seen_at) WHERE finished IS NULL;

-- Task events: append-only. The unique key is the event's identity, so the same event
-- delivered twice (or written by two instances) is stored once.
CREATE TABLE task_events (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL,
  timestamp REAL NOT NULL,
  type TEXT NOT NULL,
  hostname TEXT NOT NULL,
  clock INTEGER NOT NULL,
  data TEXT
);
CREATE UNIQUE INDEX task_events_identity ON task_events (uuid, timestamp, type, hostname, clock);

CREATE TABLE workers (
  hostname TEXT NOT NULL PRIMARY KEY,
  status TEXT NOT NULL,
  freq REAL NOT NULL,
  pid INTEGER,
  clock INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 0,
  processed INTEGER NOT NULL DEFAULT 0,
  loadavg TEXT,
  sw_ident TEXT,
  sw_ver TEXT,
  sw_sys TEXT,
  last_heartbeat REAL,
  last_event REAL,
  online_at REAL,
  offline_at REAL,
  first_seen REAL NOT NULL
);
