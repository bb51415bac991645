import { Button } from '../../components/ui/button';
import { Card } from '../../components/ui/card';
import { ErrorNotice } from '../../components/ui/notice';
import { formatTime } from '../../lib/format';
import { useSettings } from '../../lib/settings';
import type { AuditEntry } from '../../lib/types';
import { useAuditLog } from './api';

const KNOWN = ['id', 'at', 'time', 'timestamp', 'actor', 'user', 'ip', 'action', 'target', 'outcome', 'ok', 'error', 'message', 'params'];

const text = (v: unknown) => (v == null ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

function when(e: AuditEntry): number | null {
  const v = e.at ?? e.time ?? e.timestamp;
  if (typeof v === 'number') return v > 1e11 ? v / 1000 : v;
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? null : ms / 1000;
  }
  return null;
}

function outcome(e: AuditEntry): string {
  if (typeof e.outcome === 'string') return e.outcome;
  if (typeof e.ok === 'boolean') return e.ok ? 'ok' : 'failed';
  return e.error ? 'failed' : '—';
}

/** Who did what, when, with what outcome; everything else of an entry shown as JSON text. */
export function AuditPage() {
  const { tz } = useSettings();
  const q = useAuditLog();
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <div className="page-head"><h1>Audit log</h1></div>
      <ErrorNotice error={q.error} what="The audit log" />
      {!q.error && (
        <Card>
          <table className="plain" data-testid="audit-table">
            <thead>
              <tr><th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Outcome</th><th>Details</th></tr>
            </thead>
            <tbody>
              {items.map((e, i) => {
                const rest = Object.fromEntries(Object.entries(e).filter(([k]) => !KNOWN.includes(k)));
                const details = e.params != null ? { params: e.params, ...rest } : rest;
                return (
                  <tr key={text(e.id ?? i)}>
                    <td className="mono">{formatTime(when(e), tz)}</td>
                    <td>{text(e.actor ?? e.user ?? e.ip)}</td>
                    <td>{text(e.action)}</td>
                    <td className="mono">{text(e.target)}</td>
                    <td>{outcome(e)}{e.error || e.message ? `: ${text(e.error ?? e.message)}` : ''}</td>
                    <td className="mono">{Object.keys(details).length ? JSON.stringify(details) : ''}</td>
                  </tr>
                );
              })}
              {items.length === 0 && !q.isLoading && <tr><td colSpan={6} className="muted">No actions recorded yet.</td></tr>}
            </tbody>
          </table>
          {q.hasNextPage && <Button onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>Load more</Button>}
        </Card>
      )}
    </>
  );
}
