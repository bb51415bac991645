import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import { keys } from '../../lib/query-keys';
import type { FailureGroup } from '../../lib/types';

export function useFailureGroups(window: number) {
  return useQuery({
    queryKey: keys.stats.failures(window),
    queryFn: () => api.get<{ items: FailureGroup[]; since: number }>('/stats/failures', { window }),
    refetchInterval: 5000,
  });
}
