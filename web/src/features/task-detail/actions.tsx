import { useState } from 'react';
import { Button } from '../../components/ui/button';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { toast } from '../../components/ui/toasts';
import { Link } from '../../lib/router';
import type { TaskView } from '../../lib/types';
import { useRetryTask, useRevokeTask } from './api';

type Action = 'retry' | 'revoke' | 'terminate' | null;

const FINISHED = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);

/** Retry / revoke / terminate, each behind a confirmation. */
export function TaskActions({ task }: { task: TaskView }) {
  const [pending, setPending] = useState<Action>(null);
  const [retriedAs, setRetriedAs] = useState<string | null>(null);
  const retry = useRetryTask(task.uuid);
  const revoke = useRevokeTask(task.uuid);
  const finished = FINISHED.has(task.state);
  const busy = retry.isPending || revoke.isPending;

  const confirm = () => {
    if (pending === 'retry') {
      retry.mutate(undefined, {
        onSuccess: (r) => {
          setRetriedAs(r.task_id);
          toast(`Sent a new task ${r.task_id}`);
        },
        onSettled: () => setPending(null),
      });
    } else if (pending) {
      revoke.mutate(pending === 'terminate' ? { terminate: true, signal: 'SIGTERM' } : {}, {
        onSuccess: () => toast(pending === 'terminate' ? 'Terminate sent' : 'Revoke sent'),
        onSettled: () => setPending(null),
      });
    }
  };

  return (
    <div className="actions">
      <Button onClick={() => setPending('retry')} disabled={!task.name || busy} data-testid="action-retry" title="Send the task again with the same arguments">
        Retry
      </Button>
      <Button onClick={() => setPending('revoke')} disabled={finished || busy} data-testid="action-revoke">
        Revoke
      </Button>
      <Button variant="danger" onClick={() => setPending('terminate')} disabled={finished || busy} data-testid="action-terminate">
        Terminate
      </Button>
      {retriedAs && (
        <span data-testid="retried-as">
          Retried as <Link to={`/tasks/${encodeURIComponent(retriedAs)}`}>{retriedAs}</Link>
        </span>
      )}
      <ConfirmDialog
        open={pending !== null}
        title={pending === 'retry' ? 'Retry this task?' : pending === 'terminate' ? 'Terminate this task?' : 'Revoke this task?'}
        confirmLabel={pending === 'retry' ? 'Retry' : pending === 'terminate' ? 'Terminate' : 'Revoke'}
        danger={pending === 'terminate'}
        busy={busy}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      >
        {pending === 'retry' && <p>A new task <b>{task.name}</b> will be sent with the same arguments, linked to this one.</p>}
        {pending === 'revoke' && <p>Workers will discard this task if it has not started yet.</p>}
        {pending === 'terminate' && <p>The worker process running this task will be sent SIGTERM.</p>}
      </ConfirmDialog>
    </div>
  );
}
