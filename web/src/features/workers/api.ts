import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import { keys } from '../../lib/query-keys';
import type { InspectReply, WorkerView } from '../../lib/types';

/** Workers; the live socket merges changes in, and a slow poll catches heartbeat ageing. */
export function useWorkers() {
  return useQuery({ queryKey: keys.workers.list(), queryFn: () => api.get<{ items: WorkerView[] }>('/workers'), refetchInterval: 5000 });
}

export function useWorker(hostname: string) {
  return useQuery({
    queryKey: keys.workers.detail(hostname),
    queryFn: () => api.get<{ worker: WorkerView }>(`/workers/${encodeURIComponent(hostname)}`),
    refetchInterval: 5000,
  });
}

/**
 * Hostnames whose next inspect must ask the worker again (`?refresh=1`) instead of taking the
 * server's cached replies: after a control command, or when the user asks.
 */
const mustRefresh = new Set<string>();

/** Inspect replies (stats, queues, registered, active/reserved/scheduled). */
export function useInspect(hostname: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.workers.inspect(hostname),
    queryFn: () => {
      const refresh = mustRefresh.delete(hostname);
      return api.get<InspectReply>(`/workers/${encodeURIComponent(hostname)}/inspect`, { refresh: refresh ? 1 : undefined });
    },
    enabled,
    staleTime: 10_000,
    retry: false,
  });
}

/** Asks the worker afresh and replaces the cached inspect replies. */
export function useRefreshInspect(hostname: string) {
  const qc = useQueryClient();
  return () => {
    mustRefresh.add(hostname);
    return qc.refetchQueries({ queryKey: keys.workers.inspect(hostname) });
  };
}

export function useWorkerControl(hostname: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ command, args }: { command: string; args: Record<string, unknown> }) =>
      api.post<{ ok: boolean; reply: unknown }>(`/workers/${encodeURIComponent(hostname)}/control/${encodeURIComponent(command)}`, args),
    onSuccess: () => {
      mustRefresh.add(hostname);
      void qc.invalidateQueries({ queryKey: keys.workers.inspect(hostname) });
      void qc.invalidateQueries({ queryKey: keys.workers.detail(hostname) });
    },
  });
}
