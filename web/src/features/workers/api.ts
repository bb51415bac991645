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

/** Inspect replies (stats, queues, registered, active/reserved/scheduled): asks the worker. */
export function useInspect(hostname: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.workers.inspect(hostname),
    queryFn: () => api.get<InspectReply>(`/workers/${encodeURIComponent(hostname)}/inspect`),
    enabled,
    staleTime: 10_000,
    retry: false,
  });
}

export function useRefreshInspect(hostname: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.get<InspectReply>(`/workers/${encodeURIComponent(hostname)}/inspect`, { refresh: 1 }),
    onSuccess: (data) => qc.setQueryData(keys.workers.inspect(hostname), data),
  });
}

export function useWorkerControl(hostname: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ command, args }: { command: string; args: Record<string, unknown> }) =>
      api.post<{ ok: boolean; reply: unknown }>(`/workers/${encodeURIComponent(hostname)}/control/${encodeURIComponent(command)}`, args),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.workers.inspect(hostname) });
      void qc.invalidateQueries({ queryKey: keys.workers.detail(hostname) });
    },
  });
}
