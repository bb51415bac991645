import { Badge } from '../../components/ui/badge';
import { Card } from '../../components/ui/card';
import { CodeBlock } from '../../components/ui/code-block';
import { ErrorNotice } from '../../components/ui/notice';
import { formatDuration, formatTime } from '../../lib/format';
import { useLiveTask } from '../../lib/live';
import { Link } from '../../lib/router';
import { useSettings } from '../../lib/settings';
import type { StoredEvent, TaskDetail, TaskView } from '../../lib/types';
import { TaskActions } from './actions';
import { useTask } from './api';

const taskLink = (id: string | null) => (id ? <Link to={`/tasks/${encodeURIComponent(id)}`} className="mono">{id}</Link> : '—');

function Timeline({ events }: { events: StoredEvent[] }) {
  const { tz } = useSettings();
  if (events.length === 0) return <p className="empty">No stored events yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e, i) => (
        <li key={`${e.type}-${e.timestamp}-${i}`}>
          <span className="mono">{formatTime(e.timestamp, tz)}</span>
          <span>{e.type.replace(/^task-/, '')}</span>
          <span className="muted">{e.hostname}{typeof e.data.runtime === 'number' ? ` · ${formatDuration(e.data.runtime)}` : ''}</span>
        </li>
      ))}
    </ol>
  );
}

function Facts({ t, links }: { t: TaskView; links?: TaskDetail['links'] }) {
  const { tz } = useSettings();
  return (
    <dl className="kv">
      <dt>State</dt><dd><Badge value={t.state} /></dd>
      <dt>Name</dt><dd>{t.name ?? '—'}</dd>
      <dt>Worker</dt><dd>{t.worker ? <Link to={`/workers/${encodeURIComponent(t.worker)}`}>{t.worker}</Link> : '—'}</dd>
      <dt>Queue</dt><dd>{t.queue ?? '—'}{t.routing_key && t.routing_key !== t.queue ? ` (routing key ${t.routing_key})` : ''}</dd>
      <dt>Sent</dt><dd>{formatTime(t.sent, tz)}{t.client ? ` by ${t.client}` : ''}</dd>
      <dt>Received</dt><dd>{formatTime(t.received, tz)}</dd>
      <dt>Started</dt><dd>{formatTime(t.started, tz)}</dd>
      <dt>Finished</dt><dd>{formatTime(t.finished, tz)}</dd>
      <dt>Runtime</dt><dd>{formatDuration(t.runtime)}</dd>
      <dt>Queue wait</dt><dd>{formatDuration(t.queue_wait)}</dd>
      <dt>Retries</dt><dd>{t.retries}</dd>
      {t.eta && (<><dt>ETA</dt><dd>{t.eta}</dd></>)}
      {t.expires && (<><dt>Expires</dt><dd>{t.expires}</dd></>)}
      <dt>Parent</dt><dd>{taskLink(t.parent_id)}</dd>
      <dt>Root</dt><dd>{t.root_id && t.root_id !== t.uuid ? taskLink(t.root_id) : t.root_id ? 'this task' : '—'}</dd>
      {links?.retry_of && (<><dt>Retry of</dt><dd data-testid="retry-of">{taskLink(links.retry_of)}</dd></>)}
      {links && links.retried_as.length > 0 && (
        <><dt>Retried as</dt><dd>{links.retried_as.map((id) => <div key={id}>{taskLink(id)}</div>)}</dd></>
      )}
    </dl>
  );
}

export function TaskDetailPage({ id }: { id: string }) {
  const q = useTask(id);
  useLiveTask(id);
  const t = q.data?.task;
  return (
    <>
      <div className="page-head">
        <Link to="/tasks">← Tasks</Link>
        <h1 className="mono" data-testid="task-id">{id}</h1>
        {t && <Badge value={t.state} />}
        <span className="spacer" />
        {t && <TaskActions task={t} />}
      </div>
      <ErrorNotice error={q.error} what="this task" />
      {q.isLoading && <p className="muted">Loading…</p>}
      {t && q.data && (
        <div className="grid grid-2">
          <div>
            <Card title={t.name ?? 'Task'}>
              <Facts t={t} links={q.data.links} />
            </Card>
            <Card title="Events">
              <Timeline events={q.data.events} />
            </Card>
            <Card title={`Children (${q.data.children.length})`}>
              {q.data.children.length === 0 ? (
                <p className="empty">None.</p>
              ) : (
                <table className="plain">
                  <tbody>
                    {q.data.children.map((c) => (
                      <tr key={c.uuid}>
                        <td><Badge value={c.state} /></td>
                        <td>{c.name}</td>
                        <td>{taskLink(c.uuid)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
          </div>
          <Card title="Payload">
            <CodeBlock label="args" text={t.args} testId="task-args" />
            <CodeBlock label="kwargs" text={t.kwargs} testId="task-kwargs" />
            <CodeBlock label="result" text={t.result} testId="task-result" />
            <CodeBlock label="exception" text={t.exception} testId="task-exception" />
            <CodeBlock label="traceback" text={t.traceback} testId="task-traceback" />
          </Card>
        </div>
      )}
    </>
  );
}
