import { useMemo, useState } from 'react';
import { Badge } from '../../components/ui/badge';
import { Card, Stat } from '../../components/ui/card';
import { Chart } from '../../components/ui/chart';
import { ErrorNotice } from '../../components/ui/notice';
import { formatDuration, formatNumber } from '../../lib/format';
import { Link } from '../../lib/router';
import { useQueues } from '../queues/api';
import { useStoreStats, useTimeseries } from './api';
import { WINDOWS } from './windows';

export function OverviewPage() {
  const [window, setWindow] = useState(3600);
  const ts = useTimeseries(window);
  const store = useStoreStats();
  const queues = useQueues();
  const d = ts.data;

  const charts = useMemo(() => {
    if (!d) return null;
    const x = d.points.map((p) => p.t);
    // Buckets from before this process started are unknown, not zero.
    const known = (p: { t: number }) => p.t + d.step > d.since;
    const perSec = (n: number) => n / d.step;
    return {
      x,
      throughput: [
        { label: 'succeeded/s', color: '#16a34a', values: d.points.map((p) => (known(p) ? perSec(p.succeeded) : null)) },
        { label: 'failed/s', color: '#dc2626', values: d.points.map((p) => (known(p) ? perSec(p.failed) : null)) },
        { label: 'received/s', color: '#2563eb', values: d.points.map((p) => (known(p) ? perSec(p.received) : null)) },
      ],
      failureRate: [
        { label: 'failure %', color: '#dc2626', values: d.points.map((p) => (p.succeeded + p.failed ? (100 * p.failed) / (p.succeeded + p.failed) : null)) },
      ],
      runtime: [
        { label: 'p50 s', color: '#2563eb', values: d.points.map((p) => p.p50) },
        { label: 'p95 s', color: '#d97706', values: d.points.map((p) => p.p95) },
        { label: 'p99 s', color: '#dc2626', values: d.points.map((p) => p.p99) },
      ],
    };
  }, [d]);

  const finished = d ? d.totals.succeeded + d.totals.failed : 0;
  // the rate over the part of the window this process has seen
  const seenSeconds = d ? Math.max(1, Math.min(d.window, Date.now() / 1000 - d.since)) : 1;
  const queueDepth = queues.data?.items.reduce((a, q) => a + q.messages, 0);
  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        <select value={window} onChange={(e) => setWindow(Number(e.target.value))} aria-label="Window" data-testid="window">
          {WINDOWS.map((w) => <option key={w.seconds} value={w.seconds}>{w.label}</option>)}
        </select>
      </div>
      <ErrorNotice error={ts.error} what="statistics" />
      {d && (
        <div className="stats-row" data-testid="overview-stats">
          <Stat label="finished / s" value={(finished / seenSeconds).toFixed(1)} />
          <Stat label="succeeded" value={formatNumber(d.totals.succeeded)} tone="ok" />
          <Stat label="failed" value={formatNumber(d.totals.failed)} tone={d.totals.failed ? 'bad' : undefined} />
          <Stat label="failure rate" value={finished ? `${((100 * d.totals.failed) / finished).toFixed(1)} %` : '—'} />
          <Stat label="runtime p50 / p95 / p99" value={`${formatDuration(d.runtime.p50)} / ${formatDuration(d.runtime.p95)} / ${formatDuration(d.runtime.p99)}`} />
          <Stat label="in flight" value={formatNumber(d.inflight)} />
          <Stat label="queued messages" value={queues.error ? 'n/a' : formatNumber(queueDepth)} />
          <Stat label="tasks stored" value={formatNumber(store.data?.tasks)} />
        </div>
      )}
      {charts && (
        <div className="grid grid-2">
          <Card title="Throughput"><Chart x={charts.x} series={charts.throughput} yLabel="tasks/s" testId="chart-throughput" /></Card>
          <Card title="Failure rate"><Chart x={charts.x} series={charts.failureRate} yLabel="%" testId="chart-failure-rate" /></Card>
          <Card title="Runtime percentiles (succeeded tasks)"><Chart x={charts.x} series={charts.runtime} yLabel="seconds" testId="chart-runtime" /></Card>
          <div>
            <Card title="Workers" actions={<Link to="/workers">all →</Link>}>
              <div className="stats-row" data-testid="workers-by-status">
                {(['online', 'idle', 'offline', 'lost'] as const).map((s) => (
                  <span key={s}><Badge value={s} /> {d?.workers[s] ?? 0}</span>
                ))}
              </div>
            </Card>
            <Card title="Queues" actions={<Link to="/queues">all →</Link>}>
              {queues.error ? (
                <ErrorNotice error={queues.error} what="Queue depth" />
              ) : (
                <div className="pill-list">{(queues.data?.items ?? []).map((q) => <span key={q.name} className="pill">{q.name}: {formatNumber(q.messages)}</span>)}</div>
              )}
            </Card>
            <Card title="Top failing tasks" actions={<Link to="/failures">by exception →</Link>}>
              {d && d.top_failing.length > 0 ? (
                <table className="plain" data-testid="top-failing">
                  <thead><tr><th>Task</th><th className="num">Failed</th><th className="num">Of finished</th></tr></thead>
                  <tbody>
                    {d.top_failing.map((f) => (
                      <tr key={f.name}>
                        <td><Link to={`/tasks?state=FAILURE&name=${encodeURIComponent(f.name)}`}>{f.name}</Link></td>
                        <td className="num">{formatNumber(f.failures)}</td>
                        <td className="num">{((100 * f.failures) / Math.max(1, f.finished)).toFixed(1)} %</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="empty">No failures in this window.</p>
              )}
            </Card>
          </div>
        </div>
      )}
    </>
  );
}
