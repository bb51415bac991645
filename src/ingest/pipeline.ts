import type { Logger } from 'pino';
import type { BrokerAdapter, EventConsumer } from '../broker/types.js';
import type { Metrics } from '../metrics/registry.js';
import type { LiveState } from '../state/live.js';
import type { CeleryEvent, Worker } from '../state/types.js';
import type { Store } from '../store/types.js';
import { decodePayload, type DecodeSink, type MalformedKind } from './decode.js';
import { FlowerMetrics } from './flower-metrics.js';

export interface IngestOptions {
  maxEventBytes: number;
  flushIntervalMs: number;
  batchSize: number;
  maxPendingMessages: number;
  /** Characters of payload text waiting, at most (one byte each for the ASCII JSON of events). */
  maxPendingChars: number;
  /**
   * Writes handed to the store before the first of them is done (default 1). With 2 the SQLite
   * writer thread finds its next batch waiting when it finishes one, instead of idling while
   * the event loop hears of it, merges the queue and copies the next batch over.
   */
  maxWritesInFlight?: number;
}

/** A write merges at most this many queued batches (of up to batchSize messages each). */
const COALESCE_BATCHES = 8;
/**
 * Characters of payload text in one batch, and in one merged write, at most: `task.multi`
 * messages carry up to 24 events, so a batch of batchSize messages could hold 240,000 events,
 * all parsed at once on the writer thread. 8 M characters is about 20,000 events.
 */
const BATCH_CHARS = 8 * 1024 * 1024;
const WRITE_CHARS = 4 * BATCH_CHARS;
/** Keeps each derived payload well under --max-event-bytes (an orphan event is ~200 bytes). */
const DERIVED_PER_PAYLOAD = 500;

/** A batch handed to the store: written (done), being written, or failed and waiting to be retried. */
interface InFlight {
  batch: Batch;
  state: 'writing' | 'done' | 'failed';
}

interface Batch {
  payloads: string[];
  /** Characters of payload text in `payloads`. */
  chars: number;
  workers: Worker[];
  ackToken: number | null;
}

/**
 * The hot path: broker message → decode → live state → batched store write.
 * `payload()` runs on the broker's receive callback and only decodes, merges in memory and
 * appends the raw text to the current batch; a timer hands batches to the store one at a
 * time. A failed write is retried (never dropped); only when more than maxPendingMessages,
 * or maxPendingChars of text, are waiting are new messages dropped, and counted.
 */
export class Ingestor implements EventConsumer {
  private current: Batch = { payloads: [], chars: 0, workers: [], ackToken: null };
  private queue: Batch[] = [];
  private pendingMessages = 0;
  private pendingChars = 0;
  private dirtyWorkers = new Map<string, Worker>();
  /** Events Celeriac made itself (orphaning, reconciliation), stored with the next batch. */
  private derived: CeleryEvent[] = [];
  /** Batches handed to the store, oldest first; each leaves when it and all before it are done. */
  private inflight: InFlight[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** ms until failed writes are retried (0: none scheduled), and the last such delay (backoff). */
  private retryDelay = 0;
  private lastRetryDelay = 0;
  private flushWaiters: (() => void)[] = [];
  private readonly malformedSeen = new Set<string>();
  private readonly flower: FlowerMetrics;
  private readonly sink: DecodeSink;
  private decodedEvents = 0;
  /** Messages and events received, not yet added to their counters (done when they are read). */
  private uncountedMessages = 0;
  private uncountedEvents = 0;
  /** Time of the last valid event (epoch ms), for /readyz and the dashboard. */
  lastEventAt = 0;

  constructor(
    private readonly deps: { state: LiveState; store: Store; broker: BrokerAdapter; metrics: Metrics; log: Logger },
    private readonly opts: IngestOptions,
  ) {
    this.flower = new FlowerMetrics(deps.metrics);
    // Counted in plain numbers per message and handed to prom-client when the registry is read
    // (its `collect` hook), like the Flower metrics: inc() costs a label hash per call.
    const countReceived = () => this.countReceived();
    for (const metric of [deps.metrics.messagesReceived, deps.metrics.eventsReceived]) {
      (metric as unknown as { collect?: () => void }).collect = countReceived;
    }
    deps.state.subscribe({
      worker: (w) => this.dirtyWorkers.set(w.hostname, w),
      derived: (ev) => this.derived.push(ev),
    });
    this.sink = {
      event: (ev: CeleryEvent) => {
        this.decodedEvents++;
        const task = deps.state.apply(ev);
        this.flower.observe(ev, task);
      },
      malformed: (kind: MalformedKind, detail: string) => this.malformed(kind, detail),
    };
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  payload(text: string, ackToken: number | null): void {
    this.uncountedMessages++;
    if (this.pendingMessages >= this.opts.maxPendingMessages || this.pendingChars >= this.opts.maxPendingChars) {
      this.deps.metrics.eventsDropped.inc();
      if (ackToken !== null) this.current.ackToken = ackToken;
      return;
    }
    const before = this.decodedEvents;
    decodePayload(text, this.opts.maxEventBytes, this.sink);
    const n = this.decodedEvents - before;
    if (n > 0) {
      this.uncountedEvents += n;
      this.lastEventAt = Date.now();
      this.current.payloads.push(text);
      this.current.chars += text.length;
      this.pendingMessages++;
      this.pendingChars += text.length;
    }
    if (ackToken !== null) this.current.ackToken = ackToken;
    if (this.current.payloads.length >= this.opts.batchSize || this.current.chars >= BATCH_CHARS) this.flush();
  }

  /** Adds the messages and events received since the last call to their counters. */
  private countReceived(): void {
    const m = this.deps.metrics;
    if (this.uncountedMessages > 0) m.messagesReceived.inc(this.uncountedMessages);
    if (this.uncountedEvents > 0) m.eventsReceived.inc(this.uncountedEvents);
    this.uncountedMessages = 0;
    this.uncountedEvents = 0;
  }

  malformed(kind: MalformedKind, detail: string, ackToken?: number | null): void {
    if (ackToken !== undefined && ackToken !== null) this.current.ackToken = ackToken;
    this.deps.metrics.malformed.inc({ kind });
    if (!this.malformedSeen.has(kind)) {
      this.malformedSeen.add(kind);
      this.deps.log.warn({ kind, detail }, 'skipping malformed broker message (logged once per kind; see celeriac_malformed_messages_total)');
    }
  }

  /** Number of event messages accepted but not yet stored. */
  get pending(): number {
    return this.pendingMessages;
  }

  /** Moves the current batch to the write queue and starts a write if none is running. */
  flush(): void {
    const c = this.current;
    // Derived events travel as ordinary payloads (JSON arrays, like task.multi), so the store
    // writes them in the same transaction path as broker events, never one by one.
    for (let i = 0; i < this.derived.length; i += DERIVED_PER_PAYLOAD) {
      const text = JSON.stringify(this.derived.slice(i, i + DERIVED_PER_PAYLOAD));
      c.payloads.push(text);
      c.chars += text.length;
      this.pendingMessages++;
      this.pendingChars += text.length;
    }
    this.derived = [];
    if (this.dirtyWorkers.size > 0) {
      c.workers = [...this.dirtyWorkers.values()].map((w) => ({ ...w }));
      this.dirtyWorkers.clear();
    }
    if (c.payloads.length > 0 || c.workers.length > 0 || c.ackToken !== null) {
      this.queue.push(c);
      this.current = { payloads: [], chars: 0, workers: [], ackToken: null };
    }
    this.deps.metrics.pendingWrites.set(this.pendingMessages);
    this.deps.metrics.pendingBytes.set(this.pendingChars);
    this.deps.metrics.inflightTasks.set(this.deps.state.inflight.size);
    this.drain();
  }

  /**
   * Hands queued batches to the store, up to maxWritesInFlight at a time (the store writes them
   * in order). A batch's messages are acknowledged (RabbitMQ: up to its token, so it acks all
   * before it too) only once it and every batch before it are stored; a failed write is
   * retried with backoff, and no new batch is handed over meanwhile.
   */
  private drain(): void {
    const max = this.opts.maxWritesInFlight ?? 1;
    while (this.inflight.length < max && this.queue.length > 0 && this.retryDelay === 0) {
      // When the store fell behind, write everything waiting in one transaction: fewer,
      // larger commits write each touched index page once instead of once per batch.
      if (this.queue.length > 1) this.coalesce();
      const entry: InFlight = { batch: this.queue.shift()!, state: 'writing' };
      this.inflight.push(entry);
      this.submit(entry);
    }
  }

  private submit(entry: InFlight): void {
    const b = entry.batch;
    const t0 = performance.now();
    this.deps.store.write({ payloads: b.payloads, workers: b.workers }).then(
      (r) => {
        entry.state = 'done';
        this.deps.metrics.writeBatches.observe((performance.now() - t0) / 1000);
        this.deps.metrics.eventsStored.inc(r.inserted);
        if (r.duplicates) this.deps.metrics.eventsDuplicate.inc(r.duplicates);
        this.settle();
      },
      (err: unknown) => {
        entry.state = 'failed';
        this.deps.metrics.writeErrors.inc();
        if (this.retryDelay > 0) return; // a retry is scheduled already: it takes this one too
        this.retryDelay = Math.min(this.lastRetryDelay ? this.lastRetryDelay * 2 : 100, 5000);
        this.lastRetryDelay = this.retryDelay;
        this.deps.log.error({ err: err instanceof Error ? err.message : String(err), retryInMs: this.retryDelay }, 'store write failed; will retry');
        setTimeout(() => {
          this.retryDelay = 0;
          for (const e of this.inflight) {
            if (e.state !== 'failed') continue;
            e.state = 'writing';
            this.submit(e);
          }
          this.drain();
        }, this.retryDelay).unref();
      },
    );
  }

  /** Retires the stored batches at the head, in order, and hands over more. */
  private settle(): void {
    while (this.inflight.length > 0 && this.inflight[0]!.state === 'done') {
      const b = this.inflight.shift()!.batch;
      this.pendingMessages -= b.payloads.length;
      this.pendingChars -= b.chars;
      if (b.ackToken !== null) this.deps.broker.ackUpTo(b.ackToken);
    }
    if (!this.inflight.some((e) => e.state === 'failed')) this.lastRetryDelay = 0;
    this.drain();
    if (this.inflight.length === 0 && this.queue.length === 0 && this.current.payloads.length === 0) {
      const w = this.flushWaiters;
      this.flushWaiters = [];
      for (const f of w) f();
    }
  }

  /** Merges the queued batches into the first, up to maxCoalescedMessages payloads. */
  private coalesce(): void {
    const first = this.queue[0]!;
    let n = first.payloads.length;
    let chars = first.chars;
    let i = 1;
    while (
      i < this.queue.length &&
      n + this.queue[i]!.payloads.length <= this.opts.batchSize * COALESCE_BATCHES &&
      chars + this.queue[i]!.chars <= WRITE_CHARS
    ) {
      n += this.queue[i]!.payloads.length;
      chars += this.queue[i]!.chars;
      i++;
    }
    if (i === 1) return;
    const parts = this.queue.splice(0, i);
    const workers = new Map<string, Worker>();
    for (const b of parts) for (const w of b.workers) workers.set(w.hostname, w);
    const merged: Batch = { payloads: parts.flatMap((b) => b.payloads), chars: parts.reduce((n, b) => n + b.chars, 0), workers: [...workers.values()], ackToken: null };
    for (const b of parts) if (b.ackToken !== null) merged.ackToken = b.ackToken;
    this.queue.unshift(merged);
  }

  /** Flushes everything accepted so far and waits until it is stored. */
  async drainAll(timeoutMs = 30000): Promise<boolean> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const done = new Promise<boolean>((res) => {
      this.flushWaiters.push(() => res(true));
      setTimeout(() => res(false), timeoutMs).unref();
    });
    this.flush();
    if (this.inflight.length === 0 && this.queue.length === 0) return true;
    return done;
  }
}
