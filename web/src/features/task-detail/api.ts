import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import { keys } from '../../lib/query-keys';
import type { TaskDetail } from '../../lib/types';

export function useTask(id: string) {
  return useQuery({ queryKey: keys.tasks.detail(id), queryFn: () => api.get<TaskDetail>(`/tasks/${encodeURIComponent(id)}`) });
}

export function useRetryTask(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<{ task_id: string; retry_of: string }>(`/tasks/${encodeURIComponent(id)}/retry`, {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.tasks.all }),
  });
}

export function useRevokeTask(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { terminate?: boolean; signal?: string }) => api.post<unknown>(`/tasks/${encodeURIComponent(id)}/revoke`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.tasks.detail(id) }),
  });
}
