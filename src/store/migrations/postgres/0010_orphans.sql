-- PostgreSQL twin of migrations/sqlite/0010_orphans.sql: when and why a task was orphaned.
ALTER TABLE tasks ADD COLUMN orphaned_at DOUBLE PRECISION;
ALTER TABLE tasks ADD COLUMN orphan_reason TEXT;
CREATE INDEX tasks_orphaned ON tasks (orphaned_at) WHERE orphaned_at IS NOT NULL;
