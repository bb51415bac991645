/**
 * The tasks view lives in the URL (so a link reproduces it):
 *   /tasks?state=FAILURE,RETRY&q=name:billing.*%20args:"acme"&range=1h&sort=-seen_at&live=0
 * Other list filters of GET /api/v1/tasks (name, worker, queue, exception_type, root_id,
 * parent_id, from/to) pass through as they are.
 */
export const TASK_STATES = ['PENDING', 'RECEIVED', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED', 'REJECTED', 'ORPHANED'] as const;

export const RANGES: Record<string, { label: string; seconds: number }> = {
  '': { label: 'Any time', seconds: 0 },
  '15m': { label: 'Last 15 min', seconds: 900 },
  '1h': { label: 'Last hour', seconds: 3600 },
  '24h': { label: 'Last 24 h', seconds: 86400 },
  '7d': { label: 'Last 7 days', seconds: 7 * 86400 },
};

export const SORTS: Record<string, string> = {
  '-seen_at': 'Newest first',
  seen_at: 'Oldest first',
  '-runtime': 'Slowest first',
  '-finished': 'Recently finished',
  name: 'Name',
};

const PASS_THROUGH = ['name', 'worker', 'queue', 'exception_type', 'root_id', 'parent_id', 'from', 'to'] as const;

export interface TaskFilters {
  states: string[];
  q: string;
  range: string;
  sort: string;
  live: boolean;
  extra: Partial<Record<(typeof PASS_THROUGH)[number], string>>;
}

export function filtersFromSearch(search: string): TaskFilters {
  const sp = new URLSearchParams(search);
  const states = (sp.get('state') ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const extra: TaskFilters['extra'] = {};
  for (const k of PASS_THROUGH) {
    const v = sp.get(k);
    if (v) extra[k] = v;
  }
  const range = sp.get('range') ?? '';
  const sort = sp.get('sort') ?? '-seen_at';
  return { states, q: sp.get('q') ?? '', range: range in RANGES ? range : '', sort: sort in SORTS ? sort : '-seen_at', live: sp.get('live') !== '0', extra };
}

export function filtersToSearch(f: TaskFilters): string {
  const sp = new URLSearchParams();
  if (f.states.length) sp.set('state', f.states.join(','));
  if (f.q) sp.set('q', f.q);
  if (f.range) sp.set('range', f.range);
  if (f.sort !== '-seen_at') sp.set('sort', f.sort);
  if (!f.live) sp.set('live', '0');
  for (const [k, v] of Object.entries(f.extra)) if (v) sp.set(k, v);
  const s = sp.toString();
  return s ? `?${s}` : '';
}

/** The GET /api/v1/tasks parameters for a view; relative ranges are fixed at `now`. */
export function apiParams(f: TaskFilters, now: number): Record<string, string> {
  const p: Record<string, string> = {};
  if (f.states.length) p.state = f.states.join(',');
  if (f.q.trim()) p.q = f.q.trim();
  const { from, to, ...rest } = f.extra;
  Object.assign(p, rest);
  const secs = RANGES[f.range]?.seconds ?? 0;
  if (secs) p.seen_from = String(Math.floor(now - secs));
  else if (from) p.seen_from = from;
  if (to) p.seen_to = to;
  if (f.sort !== '-seen_at') p.sort = f.sort;
  return p;
}
