import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ErrorNotice } from '../../components/ui/notice';
import { formatNumber } from '../../lib/format';
import { useLiveTaskList } from '../../lib/live';
import { navigate, useLocation } from '../../lib/router';
import { useTaskList } from './api';
import { apiParams, filtersFromSearch, filtersToSearch, type TaskFilters } from './search-params';
import { TaskFiltersBar } from './task-filters';
import { TaskTable } from './task-table';

/** Rows kept while streaming live (older ones are dropped; scrolling further loads them again). */
const LIVE_MAX_ROWS = 1000;

export function TasksPage() {
  const { search } = useLocation();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const params = useMemo(() => apiParams(filters, Date.now() / 1000), [filters]);
  const list = useTaskList(params);
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  // Selection follows the task, not the row number: live rows slide in above it.
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = useMemo(() => (selectedId ? rows.findIndex((r) => r.uuid === selectedId) : -1), [rows, selectedId]);
  const [atTop, setAtTop] = useState(true);
  const [skipped, setSkipped] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);

  // New rows slide in only while the user looks at the top of a newest-first list; below it,
  // shown rows still update in place but nothing moves under the cursor.
  const insertNew = filters.live && atTop && filters.sort === '-seen_at';
  useLiveTaskList(params, { enabled: filters.live, insertNew, max: LIVE_MAX_ROWS, onTruncated: (n) => setSkipped((s) => s + n) });

  const setFilters = (f: TaskFilters) => {
    setSelectedId(null);
    setSkipped(0);
    navigate(`/tasks${filtersToSearch(f)}`, { replace: false });
  };
  const { refetch } = list;
  const onScrollTop = useCallback(
    (top: boolean) => {
      setAtTop((was) => {
        // back at the top of a live list: pick up what arrived meanwhile
        if (top && !was && filters.live) void refetch();
        return top;
      });
    },
    [filters.live, refetch],
  );
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const onEndReached = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const open = useCallback((uuid: string) => navigate(`/tasks/${encodeURIComponent(uuid)}`), []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (el && (el.tagName === 'INPUT' || el.tagName === 'SELECT' || el.tagName === 'TEXTAREA' || el.isContentEditable)) return;
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === '/') {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      } else if (e.key === 'j' || e.key === 'k') {
        const next = e.key === 'j' ? Math.min(rows.length - 1, selected + 1) : Math.max(0, selected - 1);
        if (rows[next]) setSelectedId(rows[next]!.uuid);
      } else if (e.key === 'Enter' && selected >= 0 && rows[selected]) open(rows[selected]!.uuid);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, selected, open]);

  return (
    <>
      <div className="page-head">
        <h1>Tasks</h1>
        <span className="muted">j/k to move, Enter to open, / to search</span>
      </div>
      <TaskFiltersBar filters={filters} onChange={setFilters} searchRef={searchRef} />
      <ErrorNotice error={list.error} what="tasks" />
      <TaskTable
        rows={rows}
        selected={selected}
        onOpen={open}
        onEndReached={onEndReached}
        onScrollTop={onScrollTop}
        footer={
          <>
            <span data-testid="row-count">{formatNumber(rows.length)} rows{list.hasNextPage ? ' (scroll for more)' : ''}</span>
            {list.isFetching && <span>loading…</span>}
            {filters.live && !insertNew && filters.sort === '-seen_at' && <span>new tasks held while scrolled down</span>}
            {filters.live && skipped > 0 && <span title="More tasks changed than a live update carries; the newest are shown">busy stream: newest shown, {formatNumber(skipped)} updates folded</span>}
            {!list.isLoading && rows.length === 0 && !list.error && <span data-testid="no-tasks">No tasks match.</span>}
          </>
        }
      />
    </>
  );
}
