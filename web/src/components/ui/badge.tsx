const STATE_TONE: Record<string, string> = {
  SUCCESS: 'ok', FAILURE: 'bad', REVOKED: 'warn', REJECTED: 'warn', RETRY: 'warn',
  STARTED: 'info', RECEIVED: 'muted', PENDING: 'muted', ORPHANED: 'bad',
  online: 'ok', idle: 'info', offline: 'muted', lost: 'bad',
};

/** A task state or worker status as a coloured pill. */
export function Badge({ value, title }: { value: string; title?: string }) {
  return (
    <span className={`badge tone-${STATE_TONE[value] ?? 'muted'}`} title={title} data-value={value}>
      {value}
    </span>
  );
}
