-- PostgreSQL twin of migrations/sqlite/0020_control_audit.sql: the audit log of mutating
-- actions and the retry links between tasks.
CREATE TABLE audit_log (
  id BIGSERIAL PRIMARY KEY,
  at DOUBLE PRECISION NOT NULL,
  actor TEXT,
  ip TEXT,
  action TEXT NOT NULL,
  target TEXT,
  params JSONB,
  outcome TEXT NOT NULL,
  message TEXT
);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE task_links (
  retried_as TEXT NOT NULL PRIMARY KEY,
  retry_of TEXT NOT NULL,
  created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX task_links_retry_of ON task_links (retry_of);
