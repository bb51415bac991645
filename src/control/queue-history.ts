/**
 * Queue depth over time, in memory: one ring of sample times shared by every queue and one ring
 * of depths per queue, aligned with it (NaN where a queue was not measured at that sample).
 * Memory is fixed once allocated: `capacity` × 8 bytes for the times and per queue, at most
 * `maxQueues` queues; further queues are counted in `refused` and not kept.
 */
export interface QueueHistoryOptions {
  capacity: number;
  maxQueues: number;
}

export interface QueueSeries {
  name: string;
  /** Depth at each of the result's times; null where the queue was not measured. */
  messages: (number | null)[];
}

export interface HistorySlice {
  /** Sample times, epoch seconds, oldest first. */
  t: number[];
  items: QueueSeries[];
}

export class QueueHistory {
  private readonly times: Float64Array;
  private readonly depths = new Map<string, Float64Array>();
  /** Index of the oldest sample and how many are held. */
  private start = 0;
  private count = 0;
  /** Queue names that did not fit under maxQueues. */
  readonly refused = new Set<string>();

  constructor(readonly opts: QueueHistoryOptions) {
    if (!(opts.capacity >= 1) || !(opts.maxQueues >= 1)) throw new RangeError('capacity and maxQueues must be at least 1');
    this.times = new Float64Array(opts.capacity);
  }

  get size(): number {
    return this.count;
  }

  names(): string[] {
    return [...this.depths.keys()].sort();
  }

  has(name: string): boolean {
    return this.depths.has(name);
  }

  /** Adds one sample: the depth of each measured queue at `at` (epoch seconds). */
  record(at: number, measured: readonly { name: string; messages: number }[]): void {
    const cap = this.opts.capacity;
    const slot = (this.start + this.count) % cap;
    if (this.count === cap) this.start = (this.start + 1) % cap;
    else this.count++;
    this.times[slot] = at;
    for (const ring of this.depths.values()) ring[slot] = Number.NaN;
    for (const q of measured) {
      let ring = this.depths.get(q.name);
      if (!ring) {
        if (this.depths.size >= this.opts.maxQueues) {
          if (this.refused.size < 1000) this.refused.add(q.name);
          continue;
        }
        ring = new Float64Array(cap).fill(Number.NaN);
        this.depths.set(q.name, ring);
      }
      ring[slot] = q.messages;
    }
  }

  /** Samples taken after `since` (epoch seconds; all when absent), for `names` (all when absent). */
  slice(names?: readonly string[], since?: number): HistorySlice {
    const cap = this.opts.capacity;
    const idx: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const j = (this.start + i) % cap;
      if (since === undefined || this.times[j]! > since) idx.push(j);
    }
    const wanted = names ?? this.names();
    return {
      t: idx.map((j) => this.times[j]!),
      items: wanted.flatMap((name) => {
        const ring = this.depths.get(name);
        return ring ? [{ name, messages: idx.map((j) => (Number.isNaN(ring[j]!) ? null : ring[j]!)) }] : [];
      }),
    };
  }
}
