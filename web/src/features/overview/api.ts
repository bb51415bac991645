import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import { keys } from '../../lib/query-keys';
import type { ServerStats, Timeseries } from '../../lib/types';

export function useTimeseries(window: number) {
  return useQuery({
    queryKey: keys.stats.timeseries(window),
    queryFn: () => api.get<Timeseries>('/stats/timeseries', { window }),
    refetchInterval: 5000,
  });
}

export function useStoreStats() {
  return useQuery({ queryKey: keys.stats.summary(), queryFn: () => api.get<ServerStats>('/stats'), refetchInterval: 10_000 });
}
