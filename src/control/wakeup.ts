import type { Logger } from 'pino';
import type { BrokerAdapter } from '../broker/types.js';
import type { LiveState } from '../state/live.js';

/**
 * The two casts a monitor sends without waiting for replies (celery-wire.md §4.5):
 * `heartbeat` at start and after every reconnect, so workers show up at once, and
 * `enable_events` every few seconds, so workers started without -E send task events.
 */
export class Wakeup {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly broker: BrokerAdapter,
    private readonly state: LiveState,
    private readonly log: Logger,
  ) {}

  async kick(): Promise<void> {
    await this.cast('heartbeat');
  }

  startEnableEvents(intervalSeconds: number): void {
    void this.cast('enable_events');
    this.timer = setInterval(() => void this.cast('enable_events'), intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async cast(method: string): Promise<void> {
    if (!this.broker.isConnected()) return;
    try {
      this.state.clock++;
      await this.broker.broadcast({ method, arguments: {}, destination: null, pattern: null, matcher: null }, this.state.clock);
    } catch (err) {
      this.log.debug({ method, err: err instanceof Error ? err.message : String(err) }, 'broadcast failed');
    }
  }
}
