import type { ReactNode } from 'react';
import { useLiveStatus } from '../../lib/live';
import { Link, useLocation } from '../../lib/router';
import { useSettings } from '../../lib/settings';

const NAV = [
  { to: '/', label: 'Overview' },
  { to: '/tasks', label: 'Tasks' },
  { to: '/workers', label: 'Workers' },
  { to: '/queues', label: 'Queues' },
  { to: '/failures', label: 'Failures' },
  { to: '/orphans', label: 'Orphans' },
  { to: '/audit', label: 'Audit log' },
];

export function Shell({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  const { theme, setTheme, tz, setTz } = useSettings();
  const live = useLiveStatus();
  const active = (to: string) => (to === '/' ? pathname === '/' : pathname === to || pathname.startsWith(`${to}/`));
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Celeriac</div>
        {NAV.map((n) => (
          <Link key={n.to} to={n.to} className={active(n.to) ? 'nav-link active' : 'nav-link'} aria-current={active(n.to) ? 'page' : undefined}>
            {n.label}
          </Link>
        ))}
        <div className="sidebar-foot">
          <div className={`live-dot live-${live}`} data-testid="live-status" title={`live feed: ${live}`}>
            {live === 'open' ? 'live' : live}
          </div>
          <button type="button" className="btn btn-ghost" onClick={() => setTz(tz === 'utc' ? 'local' : 'utc')} data-testid="tz-toggle" title="Show times in local time or UTC">
            {tz === 'utc' ? 'UTC' : 'Local time'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} data-testid="theme-toggle">
            {theme === 'dark' ? 'Light theme' : 'Dark theme'}
          </button>
        </div>
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}
