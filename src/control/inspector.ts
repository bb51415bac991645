import type { Logger } from 'pino';
import type { PidboxClient } from './pidbox.js';

/** What Flower polls for each worker (flower-reference.md §5). */
export const INSPECT_METHODS = ['stats', 'active_queues', 'registered', 'scheduled', 'active', 'reserved', 'revoked', 'conf'] as const;
export type InspectMethod = (typeof INSPECT_METHODS)[number];

export type InspectEntry = { [K in InspectMethod]?: unknown } & { timestamp: number };

const ARGS: Partial<Record<InspectMethod, Record<string, unknown>>> = { registered: { taskinfoitems: [] } };

export interface RefreshResult {
  /** Per worker, the methods that answered in this round. */
  replied: Map<string, InspectMethod[]>;
}

/**
 * The inspect cache: per worker, the last answer to each of the eight inspect methods.
 * Refreshed on a schedule and on demand; concurrent refreshes of the same target share one
 * round of broadcasts.
 */
export class Inspector {
  private readonly cache = new Map<string, InspectEntry>();
  private readonly inflight = new Map<string, Promise<RefreshResult>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pidbox: PidboxClient,
    private readonly log: Logger,
  ) {}

  get(hostname: string): InspectEntry | undefined {
    return this.cache.get(hostname);
  }

  entries(): Map<string, InspectEntry> {
    return this.cache;
  }

  /** Forgets a worker (e.g. it went offline). */
  drop(hostname: string): void {
    this.cache.delete(hostname);
  }

  /** Refreshes one worker, or every worker that answers when `hostname` is omitted. */
  refresh(hostname?: string): Promise<RefreshResult> {
    const key = hostname ?? '*';
    let p = this.inflight.get(key);
    if (!p) {
      p = this.round(hostname).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async round(hostname?: string): Promise<RefreshResult> {
    const destination = hostname ? [hostname] : null;
    const settled = await Promise.allSettled(INSPECT_METHODS.map((m) => this.pidbox.call(m, ARGS[m] ?? {}, { destination })));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && settled.every((r) => r.status === 'rejected')) throw failed.reason;
    if (failed) this.log.debug({ err: String(failed.reason) }, 'some inspect calls failed');
    const results = settled.map((r, i) => [INSPECT_METHODS[i]!, r.status === 'fulfilled' ? r.value : new Map<string, unknown>()] as const);
    const replied = new Map<string, InspectMethod[]>();
    const now = Date.now() / 1000;
    for (const [method, byNode] of results) {
      for (const [node, value] of byNode) {
        let entry = this.cache.get(node);
        if (!entry) {
          entry = { timestamp: now };
          this.cache.set(node, entry);
        }
        entry[method] = method === 'stats' ? stripSecrets(value) : value;
        entry.timestamp = now;
        const list = replied.get(node) ?? [];
        list.push(method);
        replied.set(node, list);
      }
    }
    return { replied };
  }

  startSchedule(intervalSeconds: number): void {
    if (intervalSeconds <= 0) return;
    const run = () => {
      this.refresh().catch((err: unknown) => this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'scheduled inspect failed'));
    };
    setTimeout(run, 1000).unref();
    this.timer = setInterval(run, intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** `stats.broker.alternates` can hold broker URLs with passwords (Flower 2.1 strips it too). */
function stripSecrets(stats: unknown): unknown {
  if (!stats || typeof stats !== 'object') return stats;
  const s = stats as Record<string, unknown>;
  const broker = s.broker;
  if (broker && typeof broker === 'object' && 'alternates' in broker) {
    const { alternates: _drop, ...rest } = broker as Record<string, unknown>;
    return { ...s, broker: rest };
  }
  return s;
}
