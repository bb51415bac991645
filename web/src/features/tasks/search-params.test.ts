import { describe, expect, it } from 'vitest';
import { apiParams, filtersFromSearch, filtersToSearch } from './search-params';

describe('tasks view in the URL', () => {
  it('round-trips states, search, range, order, paused and pass-through filters', () => {
    const search = '?state=FAILURE%2CRETRY&q=name%3Abilling.*+args%3A%22acme%22&range=1h&sort=-runtime&live=0&worker=w1%40h';
    const f = filtersFromSearch(search);
    expect(f).toEqual({ states: ['FAILURE', 'RETRY'], q: 'name:billing.* args:"acme"', range: '1h', sort: '-runtime', live: false, extra: { worker: 'w1@h' } });
    expect(filtersFromSearch(filtersToSearch(f))).toEqual(f);
  });

  it('turns a view into GET /api/v1/tasks parameters', () => {
    const f = filtersFromSearch('?state=failure&q=+x+&range=15m&queue=q1');
    expect(apiParams(f, 10_000)).toEqual({ state: 'FAILURE', q: 'x', queue: 'q1', seen_from: '9100' });
    expect(apiParams(filtersFromSearch('?from=100&to=200'), 0)).toEqual({ seen_from: '100', seen_to: '200' });
  });

  it('ignores unknown ranges and orders', () => {
    const f = filtersFromSearch('?range=5y&sort=evil');
    expect([f.range, f.sort, f.live]).toEqual(['', '-seen_at', true]);
    expect(filtersToSearch(f)).toBe('');
  });
});
