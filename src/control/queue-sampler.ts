import type { Logger } from 'pino';
import { describeError } from '../shared/errors.js';
import { QueueHistory } from './queue-history.js';
import type { QueueDepth } from './transport.js';

/** How far back the history reaches at most, and how many samples a queue keeps at most. */
export const HISTORY_SECONDS = 24 * 3600;
export const MAX_SAMPLES = 8640;
export const MAX_QUEUES = 64;

export interface QueueSamplerOptions {
  /** Measures the queues (ControlPlane.queues: the default, the workers', those sent to). */
  measure: () => Promise<QueueDepth[]>;
  intervalS: number;
  log: Logger;
  /** Clock in epoch seconds (tests). */
  now?: () => number;
}

/**
 * Samples queue depths every `intervalS` seconds into a QueueHistory sized for the last 24 h at
 * that interval (at most 8,640 samples × 64 queues: ~4.5 MB at most). A sample that fails (broker
 * down) is skipped, so the chart shows a gap in time rather than a made-up zero; a sample still
 * running when the next is due is not doubled.
 */
export class QueueSampler {
  readonly history: QueueHistory;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;

  constructor(private readonly o: QueueSamplerOptions) {
    const capacity = Math.max(2, Math.min(MAX_SAMPLES, Math.ceil(HISTORY_SECONDS / o.intervalS)));
    this.history = new QueueHistory({ capacity, maxQueues: MAX_QUEUES });
  }

  get intervalS(): number {
    return this.o.intervalS;
  }

  /** Takes one sample now (joins the one in flight, if any). */
  sample(): Promise<void> {
    this.running ??= this.take().finally(() => (this.running = null));
    return this.running;
  }

  private async take(): Promise<void> {
    const at = this.o.now?.() ?? Date.now() / 1000;
    try {
      const depths = await this.o.measure();
      this.history.record(at, depths);
      if (this.failures > 0) this.o.log.info({ after: this.failures }, 'queue depth sampling works again');
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0) this.o.log.warn({ err: describeError(err) }, 'queue depth sample failed; skipped until the broker answers');
    }
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.o.intervalS * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
