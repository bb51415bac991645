import { useQuery } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { api } from '../../lib/api-client';
import { keys } from '../../lib/query-keys';
import type { QueueInfo } from '../../lib/types';

/** Queue depths now (GET /api/v1/queues), polled. */
export function useQueues() {
  return useQuery({ queryKey: keys.queues, queryFn: () => api.get<{ items: QueueInfo[] }>('/queues'), refetchInterval: 5000, retry: false });
}

/**
 * Depth over time, sampled from the polls above while the dashboard is open (the last 30 min;
 * the server keeps no queue history).
 */
const MAX_SAMPLES = 360;
let history: { t: number[]; depth: Map<string, (number | null)[]> } = { t: [], depth: new Map() };
const listeners = new Set<() => void>();

function record(items: QueueInfo[], at: number): void {
  const t = [...history.t, at].slice(-MAX_SAMPLES);
  const depth = new Map<string, (number | null)[]>();
  const names = new Set([...history.depth.keys(), ...items.map((q) => q.name)]);
  for (const n of names) {
    const prev = history.depth.get(n) ?? new Array<number | null>(history.t.length).fill(null);
    const now = items.find((q) => q.name === n)?.messages ?? null;
    depth.set(n, [...prev, now].slice(-MAX_SAMPLES));
  }
  history = { t, depth };
  for (const l of listeners) l();
}

export function useQueueHistory() {
  const q = useQueues();
  useEffect(() => {
    if (q.data) record(q.data.items, q.dataUpdatedAt / 1000);
  }, [q.data, q.dataUpdatedAt]);
  const h = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => history,
  );
  return { query: q, history: h };
}
