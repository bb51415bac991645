import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import { keys } from '../../lib/query-keys';
import type { QueueInfo } from '../../lib/types';
import { emptyHistory, mergeHistory, type QueueHistoryData, type QueueHistoryResponse } from './history';

/** Queue depths now (GET /api/v1/queues), polled. */
export function useQueues() {
  return useQuery({ queryKey: keys.queues, queryFn: () => api.get<{ items: QueueInfo[] }>('/queues'), refetchInterval: 5000, retry: false });
}

/**
 * Depth over time as the server sampled it (GET /api/v1/queues/history, the last 24 h): fetched
 * whole once, then only the samples after the last one held, at the server's sampling interval
 * (between 1 and 10 s).
 */
export function useQueueHistory() {
  const qc = useQueryClient();
  return useQuery({
    queryKey: keys.queueHistory,
    queryFn: async () => {
      const prev = qc.getQueryData<QueueHistoryData>(keys.queueHistory) ?? emptyHistory();
      const since = prev.t.at(-1);
      const next = await api.get<QueueHistoryResponse>('/queues/history', since === undefined ? {} : { since });
      return next.t.length === 0 && next.items.every((q) => prev.depth.has(q.name)) ? prev : mergeHistory(prev, next);
    },
    refetchInterval: (q) => Math.min(10_000, Math.max(1000, (q.state.data?.intervalS ?? 10) * 1000)),
    retry: false,
  });
}
