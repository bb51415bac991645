import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import { keys } from '../../lib/query-keys';
import type { Page, TaskView } from '../../lib/types';

export const TASK_PAGE_SIZE = 100;

/** A task list with cursor pagination (GET /api/v1/tasks). */
export function useTaskList(params: Record<string, string>) {
  return useInfiniteQuery({
    queryKey: keys.tasks.list(params),
    queryFn: ({ pageParam }) => api.get<Page<TaskView>>('/tasks', { ...params, limit: TASK_PAGE_SIZE, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    staleTime: 5000,
  });
}

export function useTaskNames() {
  return useQuery({ queryKey: keys.taskNames, queryFn: () => api.get<{ items: string[] }>('/task-names'), staleTime: 60_000 });
}
