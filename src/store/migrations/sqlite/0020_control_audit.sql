-- Remote control: an audit log of every mutating action, and the links between a task and
-- the task sent to retry it (a retry is a new task id; Celery knows nothing of the link).
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at REAL NOT NULL,
  actor TEXT,
  ip TEXT,
  action TEXT NOT NULL,
  target TEXT,
  params TEXT,
  outcome TEXT NOT NULL,
  message TEXT
);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE task_links (
  retried_as TEXT NOT NULL PRIMARY KEY,
  retry_of TEXT NOT NULL,
  created_at REAL NOT NULL
);
CREATE INDEX task_links_retry_of ON task_links (retry_of);
