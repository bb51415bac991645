import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../lib/api-client';
import { keys } from '../../lib/query-keys';
import type { AuditEntry, Page } from '../../lib/types';

export function useAuditLog(params: Record<string, string> = {}) {
  return useInfiniteQuery({
    queryKey: keys.audit(params),
    queryFn: ({ pageParam }) => api.get<Page<AuditEntry>>('/audit', { ...params, cursor: pageParam, limit: 100 }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    retry: false,
    refetchInterval: 10_000,
  });
}
