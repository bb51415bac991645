import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef } from 'react';
import { Badge } from '../../components/ui/badge';
import { formatDuration, formatTime } from '../../lib/format';
import { useSettings } from '../../lib/settings';
import type { TaskView } from '../../lib/types';

const ROW_HEIGHT = 32;

const Row = memo(function Row({ t, top, selected, onOpen }: { t: TaskView; top: number; selected: boolean; onOpen(uuid: string): void }) {
  const { tz } = useSettings();
  const args = [t.args, t.kwargs && t.kwargs !== '{}' ? t.kwargs : null].filter(Boolean).join(' ');
  return (
    <div
      className={`vrow${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onOpen(t.uuid)}
      data-uuid={t.uuid}
      data-state={t.state}
      role="row"
      aria-selected={selected}
    >
      <div><Badge value={t.state} /></div>
      <div title={t.uuid}>{t.name ?? <span className="muted">{t.uuid}</span>}</div>
      <div className="mono" title={args}>{args}</div>
      <div title={t.worker ?? ''}>{t.worker ?? '—'}</div>
      <div className="mono">{formatTime(t.seen_at, tz)}</div>
      <div className="num">{formatDuration(t.runtime)}</div>
      <div>{t.queue ?? '—'}</div>
    </div>
  );
});

/**
 * The task list, virtualised: only the rows in view (plus a few) are in the DOM, so a list of
 * thousands of rows that changes four times a second stays cheap to render.
 */
export function TaskTable({
  rows, selected, onOpen, onEndReached, onScrollTop, footer,
}: {
  rows: TaskView[];
  selected: number;
  onOpen(uuid: string): void;
  onEndReached(): void;
  onScrollTop(atTop: boolean): void;
  footer: React.ReactNode;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => rows[i]?.uuid ?? i,
  });
  const items = v.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1]!.index : -1;
  useEffect(() => {
    if (lastIndex >= rows.length - 25) onEndReached();
  }, [lastIndex, rows.length, onEndReached]);
  useEffect(() => {
    if (selected >= 0) v.scrollToIndex(selected, { align: 'auto' });
  }, [selected, v]);

  return (
    <div className="vtable" role="table" aria-label="Tasks">
      <div className="vhead" role="row">
        <div>State</div><div>Name</div><div>Args</div><div>Worker</div><div>Seen</div><div className="num">Runtime</div><div>Queue</div>
      </div>
      <div className="vbody" ref={scroller} data-testid="task-scroller" onScroll={(e) => onScrollTop(e.currentTarget.scrollTop < ROW_HEIGHT)}>
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const t = rows[it.index]!;
            return <Row key={t.uuid} t={t} top={it.start} selected={it.index === selected} onOpen={onOpen} />;
          })}
        </div>
      </div>
      <div className="table-foot">{footer}</div>
    </div>
  );
}
