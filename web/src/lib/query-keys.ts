/**
 * Every query key, hierarchical so that invalidating a prefix (`keys.tasks.all`) refreshes all
 * lists and details beneath it. Live updates address the cache through these too.
 */
export const keys = {
  tasks: {
    all: ['tasks'] as const,
    lists: () => ['tasks', 'list'] as const,
    list: (params: Record<string, string>) => ['tasks', 'list', params] as const,
    detail: (id: string) => ['tasks', 'detail', id] as const,
  },
  taskNames: ['task-names'] as const,
  workers: {
    all: ['workers'] as const,
    list: () => ['workers', 'list'] as const,
    detail: (hostname: string) => ['workers', 'detail', hostname] as const,
    inspect: (hostname: string) => ['workers', 'inspect', hostname] as const,
  },
  stats: {
    all: ['stats'] as const,
    summary: () => ['stats', 'summary'] as const,
    timeseries: (window: number) => ['stats', 'timeseries', window] as const,
    failures: (window: number) => ['stats', 'failures', window] as const,
  },
  queues: ['queues'] as const,
  queueHistory: ['queues', 'history'] as const,
  orphans: {
    list: () => ['orphans', 'list'] as const,
    stale: () => ['orphans', 'stale'] as const,
  },
  audit: (params: Record<string, string>) => ['audit', params] as const,
};
