-- PostgreSQL twin of migrations/sqlite/0140_tasks_name_runtime.sql: one task type's slowest or
-- fastest tasks (name=… sort=-runtime) as a range of one index. Runtime follows the task type,
-- so the planner's other choices (walking tasks_runtime and filtering by name, or sorting every
-- task of that name) read millions of rows at 10 M tasks. A task enters it when it finishes.
CREATE INDEX tasks_name_runtime ON tasks (name, runtime) WHERE runtime IS NOT NULL;
