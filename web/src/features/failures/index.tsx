import { useState } from 'react';
import { Card } from '../../components/ui/card';
import { ErrorNotice } from '../../components/ui/notice';
import { formatNumber, formatTime } from '../../lib/format';
import { Link } from '../../lib/router';
import { useSettings } from '../../lib/settings';
import { WINDOWS } from '../overview/windows';
import { useFailureGroups } from './api';

export function FailuresPage() {
  const { tz } = useSettings();
  const [window, setWindow] = useState(3600);
  const q = useFailureGroups(window);
  const items = q.data?.items ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Failures by exception</h1>
        <select value={window} onChange={(e) => setWindow(Number(e.target.value))} aria-label="Window">
          {WINDOWS.map((w) => <option key={w.seconds} value={w.seconds}>{w.label}</option>)}
        </select>
        <span className="muted">counted since {formatTime(q.data?.since, tz)}; older failures: <Link to="/tasks?state=FAILURE">all failed tasks</Link></span>
      </div>
      <ErrorNotice error={q.error} what="failures" />
      <Card>
        <table className="plain" data-testid="failures-table">
          <thead>
            <tr><th>Exception</th><th className="num">Failures</th><th>Tasks</th><th>Last seen</th><th>Latest</th></tr>
          </thead>
          <tbody>
            {items.map((g) => (
              <tr key={g.exception_type}>
                <td><Link to={`/tasks?state=FAILURE&exception_type=${encodeURIComponent(g.exception_type)}`}>{g.exception_type}</Link></td>
                <td className="num">{formatNumber(g.count)}</td>
                <td>{g.names.map((n) => `${n.name} (${n.count})`).join(', ')}</td>
                <td className="mono">{formatTime(g.last_seen, tz)}</td>
                <td><Link to={`/tasks/${encodeURIComponent(g.example_uuid)}`} className="mono">{g.example_uuid.slice(0, 8)}…</Link></td>
              </tr>
            ))}
            {items.length === 0 && !q.isLoading && <tr><td colSpan={5} className="muted">No failures in this window.</td></tr>}
          </tbody>
        </table>
      </Card>
    </>
  );
}
