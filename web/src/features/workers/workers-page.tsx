import { Badge } from '../../components/ui/badge';
import { Card } from '../../components/ui/card';
import { ErrorNotice } from '../../components/ui/notice';
import { formatAge, formatNumber } from '../../lib/format';
import { Link } from '../../lib/router';
import { useWorkers } from './api';
import { displayStatus } from './status';

export function WorkersPage() {
  const q = useWorkers();
  const items = q.data?.items ?? [];
  const counts = items.reduce<Record<string, number>>((acc, w) => {
    const s = displayStatus(w);
    acc[s] = (acc[s] ?? 0) + 1;
    return acc;
  }, {});
  return (
    <>
      <div className="page-head">
        <h1>Workers</h1>
        {(['online', 'idle', 'offline', 'lost'] as const).map((s) => (
          <span key={s}><Badge value={s} /> {counts[s] ?? 0}</span>
        ))}
      </div>
      <ErrorNotice error={q.error} what="workers" />
      <Card>
        <table className="plain" data-testid="workers-table">
          <thead>
            <tr>
              <th>Status</th><th>Hostname</th><th>Last heartbeat</th><th className="num">Active</th><th className="num">Processed</th>
              <th>Load</th><th>Software</th>
            </tr>
          </thead>
          <tbody>
            {items.map((w) => (
              <tr key={w.hostname} data-hostname={w.hostname}>
                <td><Badge value={displayStatus(w)} /></td>
                <td><Link to={`/workers/${encodeURIComponent(w.hostname)}`}>{w.hostname}</Link></td>
                <td>{formatAge(w.heartbeat_age)}</td>
                <td className="num">{formatNumber(w.active)}</td>
                <td className="num">{formatNumber(w.processed)}</td>
                <td className="mono">{w.loadavg ? w.loadavg.map((x) => x.toFixed(2)).join(' ') : '—'}</td>
                <td className="muted">{[w.sw_ident, w.sw_ver, w.sw_sys].filter(Boolean).join(' ') || '—'}</td>
              </tr>
            ))}
            {items.length === 0 && !q.isLoading && (
              <tr><td colSpan={7} className="muted">No workers seen yet.</td></tr>
            )}
          </tbody>
        </table>
      </Card>
    </>
  );
}
