import { type RefObject, useEffect, useState } from 'react';
import { Button } from '../../components/ui/button';
import { RANGES, SORTS, TASK_STATES, type TaskFilters } from './search-params';

/** Search box (field-qualified language), state toggles, time range, order and live/paused. */
export function TaskFiltersBar({ filters, onChange, searchRef }: { filters: TaskFilters; onChange(f: TaskFilters): void; searchRef: RefObject<HTMLInputElement | null> }) {
  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);
  const toggleState = (s: string) =>
    onChange({ ...filters, states: filters.states.includes(s) ? filters.states.filter((x) => x !== s) : [...filters.states, s] });
  return (
    <>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          onChange({ ...filters, q });
        }}
      >
        <input
          ref={searchRef}
          className="search"
          name="q"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') e.currentTarget.blur();
          }}
          placeholder='Search — e.g. state:FAILURE name:billing.* args:"acme" -worker:w1@*  (press / to focus)'
          aria-label="Search tasks"
          data-testid="task-search"
          spellCheck={false}
        />
        <select value={filters.range} onChange={(e) => onChange({ ...filters, range: e.target.value })} aria-label="Time range" data-testid="range">
          {Object.entries(RANGES).map(([k, r]) => (
            <option key={k} value={k}>{r.label}</option>
          ))}
        </select>
        <select value={filters.sort} onChange={(e) => onChange({ ...filters, sort: e.target.value })} aria-label="Order">
          {Object.entries(SORTS).map(([k, label]) => (
            <option key={k} value={k}>{label}</option>
          ))}
        </select>
        <Button
          variant={filters.live ? 'primary' : 'default'}
          onClick={() => onChange({ ...filters, live: !filters.live })}
          data-testid="live-toggle"
          title="Live: rows update as events arrive. Paused: the list stays as loaded."
        >
          {filters.live ? 'Live' : 'Paused'}
        </Button>
      </form>
      <div className="filters">
        <div className="state-toggles" role="group" aria-label="States">
          {TASK_STATES.map((s) => (
            <Button key={s} className={filters.states.includes(s) ? 'on' : ''} aria-pressed={filters.states.includes(s)} onClick={() => toggleState(s)} data-testid={`state-${s}`}>
              {s}
            </Button>
          ))}
        </div>
        {Object.entries(filters.extra).map(([k, v]) => (
          <span key={k} className="pill">
            {k}={v}{' '}
            <a href="#" onClick={(e) => { e.preventDefault(); const extra = { ...filters.extra }; delete extra[k as keyof typeof extra]; onChange({ ...filters, extra }); }} aria-label={`remove ${k}`}>×</a>
          </span>
        ))}
      </div>
    </>
  );
}
