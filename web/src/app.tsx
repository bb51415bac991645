import { Shell } from './components/layout/shell';
import { Toasts } from './components/ui/toasts';
import { AuditPage } from './features/audit';
import { FailuresPage } from './features/failures';
import { OrphansPage } from './features/orphans';
import { OverviewPage } from './features/overview';
import { QueuesPage } from './features/queues';
import { TaskDetailPage } from './features/task-detail';
import { TasksPage } from './features/tasks';
import { WorkerDetailPage, WorkersPage } from './features/workers';
import { matchPath, useLocation } from './lib/router';

function Routes() {
  const { pathname } = useLocation();
  let m: Record<string, string> | null;
  if (pathname === '/') return <OverviewPage />;
  if (pathname === '/tasks') return <TasksPage />;
  if ((m = matchPath('/tasks/:id', pathname))) return <TaskDetailPage key={m.id} id={m.id!} />;
  if (pathname === '/workers') return <WorkersPage />;
  if ((m = matchPath('/workers/:hostname', pathname))) return <WorkerDetailPage key={m.hostname} hostname={m.hostname!} />;
  if (pathname === '/queues') return <QueuesPage />;
  if (pathname === '/failures') return <FailuresPage />;
  if (pathname === '/orphans') return <OrphansPage />;
  if (pathname === '/audit') return <AuditPage />;
  return <p className="notice">No page at {pathname}.</p>;
}

export function App() {
  return (
    <Shell>
      <Routes />
      <Toasts />
    </Shell>
  );
}
