import { useMemo } from 'react';
import { Card } from '../../components/ui/card';
import { Chart } from '../../components/ui/chart';
import { ErrorNotice } from '../../components/ui/notice';
import { formatNumber } from '../../lib/format';
import { Link } from '../../lib/router';
import { useQueueHistory, useQueues } from './api';

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

export function QueuesPage() {
  const query = useQueues();
  const hq = useQueueHistory();
  const items = query.data?.items ?? [];
  const history = hq.data;
  const series = useMemo(
    () => [...(history?.depth.entries() ?? [])].slice(0, PALETTE.length).map(([name, values], i) => ({ label: name, color: PALETTE[i]!, values })),
    [history],
  );
  return (
    <>
      <div className="page-head"><h1>Queues</h1></div>
      <ErrorNotice error={query.error} what="queue depth" />
      <Card title="Depth now">
        <table className="plain" data-testid="queues-table">
          <thead>
            <tr><th>Queue</th><th className="num">Messages</th><th className="num">Ready</th><th className="num">Unacked</th><th className="num">Consumers</th></tr>
          </thead>
          <tbody>
            {items.map((q) => (
              <tr key={q.name}>
                <td><Link to={`/tasks?queue=${encodeURIComponent(q.name)}`}>{q.name}</Link></td>
                <td className="num">{formatNumber(q.messages)}</td>
                <td className="num">{formatNumber(q.ready)}</td>
                <td className="num">{formatNumber(q.unacked)}</td>
                <td className="num">{formatNumber(q.consumers)}</td>
              </tr>
            ))}
            {items.length === 0 && !query.isLoading && !query.error && <tr><td colSpan={5} className="muted">No queues.</td></tr>}
          </tbody>
        </table>
      </Card>
      <Card title={`Depth over time (last 24 h${history ? `, sampled every ${history.intervalS} s` : ''})`}>
        <ErrorNotice error={hq.error} what="queue history" />
        {history && history.t.length > 1 ? (
          <Chart x={history.t} series={series} yLabel="messages" testId="queue-chart" />
        ) : (
          !hq.error && <p className="empty">Collecting samples…</p>
        )}
      </Card>
    </>
  );
}
