import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import { keys } from '../../lib/query-keys';
import type { Page, TaskView } from '../../lib/types';

export type StaleTask = TaskView & { stale: { kind: 'received' | 'started'; age: number; limit: number } };

/** Tasks Celeriac marked ORPHANED (their worker went offline or was lost while they ran). */
export function useOrphans() {
  return useQuery({ queryKey: keys.orphans.list(), queryFn: () => api.get<Page<TaskView>>('/orphans', { limit: 200 }), refetchInterval: 5000, retry: false });
}

/** In-flight tasks past their stale limit, longest first. */
export function useStale() {
  return useQuery({ queryKey: keys.orphans.stale(), queryFn: () => api.get<{ items: StaleTask[]; total: number }>('/stale', { limit: 200 }), refetchInterval: 5000, retry: false });
}
