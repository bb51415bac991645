import { Badge } from '../../components/ui/badge';
import { Card } from '../../components/ui/card';
import { ErrorNotice } from '../../components/ui/notice';
import { formatDuration, formatTime } from '../../lib/format';
import { Link } from '../../lib/router';
import { useSettings } from '../../lib/settings';
import type { TaskView } from '../../lib/types';
import { useOrphans, useStale } from './api';

function TaskCells({ t }: { t: TaskView }) {
  return (
    <>
      <td><Badge value={t.state} /></td>
      <td><Link to={`/tasks/${encodeURIComponent(t.uuid)}`}>{t.name ?? t.uuid}</Link></td>
      <td>{t.worker ? <Link to={`/workers/${encodeURIComponent(t.worker)}`}>{t.worker}</Link> : '—'}</td>
    </>
  );
}

/** Tasks stuck because their worker died (ORPHANED) or running/waiting far longer than expected. */
export function OrphansPage() {
  const { tz } = useSettings();
  const orphans = useOrphans();
  const stale = useStale();
  return (
    <>
      <div className="page-head">
        <h1>Orphans and stuck tasks</h1>
        <Link to="/tasks?state=ORPHANED">all orphaned tasks in the task list →</Link>
      </div>
      <Card title={`Orphaned (${orphans.data?.items.length ?? 0}${orphans.data?.next_cursor ? '+' : ''})`}>
        <ErrorNotice error={orphans.error} what="The orphan list" />
        <table className="plain" data-testid="orphans-table">
          <thead><tr><th>State</th><th>Task</th><th>Worker</th><th>Started</th><th>Orphaned at</th></tr></thead>
          <tbody>
            {(orphans.data?.items ?? []).map((t) => (
              <tr key={t.uuid}>
                <TaskCells t={t} />
                <td className="mono">{formatTime(t.started, tz)}</td>
                <td className="mono">{formatTime(t.timestamp, tz)}</td>
              </tr>
            ))}
            {orphans.data?.items.length === 0 && <tr><td colSpan={5} className="muted">No orphaned tasks.</td></tr>}
          </tbody>
        </table>
      </Card>
      <Card title={`Stale: in flight past their limit (${stale.data?.total ?? 0})`}>
        <ErrorNotice error={stale.error} what="The stale list" />
        <table className="plain" data-testid="stale-table">
          <thead><tr><th>State</th><th>Task</th><th>Worker</th><th>Stuck in</th><th className="num">For</th><th className="num">Limit</th></tr></thead>
          <tbody>
            {(stale.data?.items ?? []).map((t) => (
              <tr key={t.uuid}>
                <TaskCells t={t} />
                <td>{t.stale.kind}</td>
                <td className="num">{formatDuration(t.stale.age)}</td>
                <td className="num">{formatDuration(t.stale.limit)}</td>
              </tr>
            ))}
            {stale.data?.items.length === 0 && <tr><td colSpan={6} className="muted">Nothing is stuck.</td></tr>}
          </tbody>
        </table>
      </Card>
    </>
  );
}
