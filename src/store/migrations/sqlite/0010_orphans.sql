-- Orphaned tasks (their worker went offline or lost, or their fate was unknown after a gap):
-- when and why. Kept when the task later finishes after all (redelivered with acks_late).
ALTER TABLE tasks ADD COLUMN orphaned_at REAL;
ALTER TABLE tasks ADD COLUMN orphan_reason TEXT;
CREATE INDEX tasks_orphaned ON tasks (orphaned_at) WHERE orphaned_at IS NOT NULL;
