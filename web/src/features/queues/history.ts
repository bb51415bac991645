/** GET /api/v1/queues/history: sample times (epoch s) and, per queue, the depth at each (null: not measured). */
export interface QueueHistoryResponse {
  interval_s: number;
  capacity: number;
  t: number[];
  items: { name: string; messages: (number | null)[] }[];
}

/** The chart's data: one time axis, every queue's values aligned with it. */
export interface QueueHistoryData {
  intervalS: number;
  capacity: number;
  t: number[];
  depth: Map<string, (number | null)[]>;
}

export const emptyHistory = (): QueueHistoryData => ({ intervalS: 10, capacity: 8640, t: [], depth: new Map() });

/**
 * Appends the samples of `next` (fetched with `since` = the last time held) to `prev`: queues new
 * in `next` get nulls for the earlier times, queues missing from it get nulls for the new ones,
 * and only the newest `capacity` samples are kept (the server keeps no more either).
 */
export function mergeHistory(prev: QueueHistoryData, next: QueueHistoryResponse): QueueHistoryData {
  const last = prev.t.at(-1) ?? -Infinity;
  const keep = next.t.map((t, i) => (t > last ? i : -1)).filter((i) => i >= 0);
  const cap = next.capacity;
  const t = [...prev.t, ...keep.map((i) => next.t[i]!)];
  const drop = Math.max(0, t.length - cap);
  const depth = new Map<string, (number | null)[]>();
  const incoming = new Map(next.items.map((q) => [q.name, q.messages]));
  for (const name of new Set([...prev.depth.keys(), ...incoming.keys()])) {
    const old = prev.depth.get(name) ?? new Array<number | null>(prev.t.length).fill(null);
    const add = incoming.get(name);
    const values = [...old, ...keep.map((i) => (add ? (add[i] ?? null) : null))];
    depth.set(name, drop ? values.slice(drop) : values);
  }
  return { intervalS: next.interval_s, capacity: cap, t: drop ? t.slice(drop) : t, depth };
}
