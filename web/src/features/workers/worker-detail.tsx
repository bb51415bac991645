import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card } from '../../components/ui/card';
import { CodeBlock } from '../../components/ui/code-block';
import { ErrorNotice } from '../../components/ui/notice';
import { formatAge, formatDuration, formatNumber, formatTime } from '../../lib/format';
import { Link } from '../../lib/router';
import { useSettings } from '../../lib/settings';
import { useInspect, useRefreshInspect, useWorker } from './api';
import { displayStatus } from './status';
import { WorkerControls } from './worker-controls';

/** A request from inspect active/reserved/scheduled, shown as one line of text. */
function RequestList({ items, what }: { items: unknown[] | null | undefined; what: string }) {
  if (!items || items.length === 0) return <p className="empty">No {what} tasks.</p>;
  return (
    <table className="plain">
      <tbody>
        {items.map((raw, i) => {
          const r = (raw && typeof raw === 'object' ? ((raw as { request?: unknown }).request ?? raw) : {}) as Record<string, unknown>;
          const id = typeof r.id === 'string' ? r.id : null;
          return (
            <tr key={id ?? i}>
              <td>{id ? <Link to={`/tasks/${encodeURIComponent(id)}`} className="mono">{id}</Link> : '—'}</td>
              <td>{String(r.name ?? r.type ?? '')}</td>
              <td className="mono">{r.args !== undefined ? JSON.stringify(r.args) : ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function poolText(pool: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof pool.implementation === 'string') parts.push(pool.implementation.replace(/^celery\.concurrency\./, ''));
  if (pool['max-concurrency'] != null) parts.push(`max concurrency ${String(pool['max-concurrency'])}`);
  if (Array.isArray(pool.processes)) parts.push(`${pool.processes.length} processes`);
  return parts.length ? parts.join(' · ') : '—';
}

export function WorkerDetailPage({ hostname }: { hostname: string }) {
  const { tz } = useSettings();
  const w = useWorker(hostname);
  const worker = w.data?.worker;
  const inspect = useInspect(hostname, Boolean(worker?.alive));
  const refresh = useRefreshInspect(hostname);
  const ins = inspect.data;
  const stats = (ins?.stats ?? {}) as Record<string, unknown>;
  const pool = (stats.pool ?? {}) as Record<string, unknown>;
  return (
    <>
      <div className="page-head">
        <Link to="/workers">← Workers</Link>
        <h1>{hostname}</h1>
        {worker && <Badge value={displayStatus(worker)} />}
        <span className="spacer" />
        <Button onClick={() => void refresh()} disabled={inspect.isFetching} data-testid="inspect-refresh">
          {inspect.isFetching ? 'Asking…' : 'Refresh inspect'}
        </Button>
      </div>
      <ErrorNotice error={w.error} what="this worker" />
      {worker && (
        <div className="grid grid-2">
          <div>
            <Card title="Status">
              <dl className="kv">
                <dt>Status</dt><dd><Badge value={displayStatus(worker)} /></dd>
                <dt>Last heartbeat</dt><dd>{formatAge(worker.heartbeat_age)} (every {worker.freq} s{worker.lost_after ? `; lost after ${formatDuration(worker.lost_after)} of silence` : ''})</dd>
                <dt>Active</dt><dd>{formatNumber(worker.active)}</dd>
                <dt>Processed</dt><dd>{formatNumber(worker.processed)}</dd>
                <dt>Load average</dt><dd>{worker.loadavg?.join(', ') ?? '—'}</dd>
                <dt>PID</dt><dd>{worker.pid ?? '—'}</dd>
                <dt>Online since</dt><dd>{formatTime(worker.online_at, tz)}</dd>
                {worker.offline_at && (<><dt>Offline at</dt><dd>{formatTime(worker.offline_at, tz)}</dd></>)}
                <dt>Software</dt><dd>{[worker.sw_ident, worker.sw_ver, worker.sw_sys].filter(Boolean).join(' ') || '—'}</dd>
                <dt>Pool</dt><dd data-testid="worker-pool">{poolText(pool)}</dd>
              </dl>
              <p><Link to={`/tasks?worker=${encodeURIComponent(hostname)}`}>Tasks on this worker →</Link></p>
            </Card>
            <Card title="Control">
              <WorkerControls hostname={hostname} />
            </Card>
            <Card title="Queues">
              {ins?.active_queues?.length ? (
                <div className="pill-list">{ins.active_queues.map((q) => <span key={q.name} className="pill">{q.name}</span>)}</div>
              ) : (
                <p className="empty">—</p>
              )}
            </Card>
          </div>
          <div>
            <ErrorNotice error={inspect.error} what="inspect" />
            <Card title={`Active (${ins?.active?.length ?? 0})`}><RequestList items={ins?.active} what="active" /></Card>
            <Card title={`Reserved (${ins?.reserved?.length ?? 0})`}><RequestList items={ins?.reserved} what="reserved" /></Card>
            <Card title={`Scheduled (${ins?.scheduled?.length ?? 0})`}><RequestList items={ins?.scheduled} what="scheduled" /></Card>
            <Card title={`Registered tasks (${ins?.registered?.length ?? 0})`}>
              <div className="pill-list">{(ins?.registered ?? []).map((n) => <span key={n} className="pill">{n}</span>)}</div>
            </Card>
            {ins?.stats && <CodeBlock label="stats" text={JSON.stringify(ins.stats, null, 2)} />}
          </div>
        </div>
      )}
    </>
  );
}
