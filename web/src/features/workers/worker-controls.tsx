import { useState } from 'react';
import { Button } from '../../components/ui/button';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { toast } from '../../components/ui/toasts';
import { useWorkerControl } from './api';

interface Command {
  command: string;
  label: string;
  args?: Record<string, unknown>;
  /** Asks for a value first (a queue name, a rate limit ...). */
  input?: { name: string; placeholder: string };
  danger?: boolean;
  explain: string;
}

const COMMANDS: Command[] = [
  { command: 'pool_grow', label: 'Grow pool +1', args: { n: 1 }, explain: 'Adds one process to the worker pool.' },
  { command: 'pool_shrink', label: 'Shrink pool −1', args: { n: 1 }, explain: 'Removes one process from the worker pool.' },
  { command: 'autoscale', label: 'Autoscale…', input: { name: 'max,min', placeholder: 'e.g. 10,2' }, explain: 'Sets the autoscaler bounds (max,min).' },
  { command: 'add_consumer', label: 'Consume queue…', input: { name: 'queue', placeholder: 'queue name' }, explain: 'Starts consuming from a queue.' },
  { command: 'cancel_consumer', label: 'Stop consuming…', input: { name: 'queue', placeholder: 'queue name' }, explain: 'Stops consuming from a queue.' },
  { command: 'enable_events', label: 'Enable events', explain: 'Turns task events on.' },
  { command: 'disable_events', label: 'Disable events', explain: 'Turns task events off: the dashboard stops seeing its tasks.' },
  { command: 'pool_restart', label: 'Restart pool', danger: true, explain: 'Restarts the pool processes (needs worker_pool_restarts).' },
  { command: 'shutdown', label: 'Shut down', danger: true, explain: 'Shuts the worker down (warm shutdown).' },
];

function argsFor(c: Command, value: string): Record<string, unknown> {
  if (!c.input) return c.args ?? {};
  if (c.command === 'autoscale') {
    const [max, min] = value.split(',').map((x) => Number(x.trim()));
    return { max, min: min ?? 0 };
  }
  return { [c.input.name]: value.trim() };
}

/** Remote-control buttons for one worker, each confirmed first. */
export function WorkerControls({ hostname }: { hostname: string }) {
  const [pending, setPending] = useState<Command | null>(null);
  const [value, setValue] = useState('');
  const control = useWorkerControl(hostname);
  return (
    <div className="actions">
      {COMMANDS.map((c) => (
        <Button key={c.command} variant={c.danger ? 'danger' : 'default'} onClick={() => { setValue(''); setPending(c); }} data-testid={`control-${c.command}`}>
          {c.label}
        </Button>
      ))}
      <ConfirmDialog
        open={pending !== null}
        title={pending ? `${pending.label.replace('…', '')} on ${hostname}?` : ''}
        confirmLabel="Send"
        danger={pending?.danger}
        busy={control.isPending}
        onCancel={() => setPending(null)}
        onConfirm={() => {
          if (!pending) return;
          if (pending.input && !value.trim()) return;
          control.mutate(
            { command: pending.command, args: argsFor(pending, value) },
            {
              onSuccess: (r) => toast(r.ok ? `${pending.command}: ok` : `${pending.command}: ${JSON.stringify(r.reply)}`, r.ok ? 'ok' : 'bad'),
              onSettled: () => setPending(null),
            },
          );
        }}
      >
        <p>{pending?.explain}</p>
        {pending?.input && <input autoFocus value={value} onChange={(e) => setValue(e.target.value)} placeholder={pending.input.placeholder} aria-label={pending.input.name} />}
      </ConfirmDialog>
    </div>
  );
}
