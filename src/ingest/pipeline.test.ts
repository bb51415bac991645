import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerAdapter } from '../broker/types.js';
import { createMetrics } from '../metrics/registry.js';
import { LiveState } from '../state/live.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { Ingestor } from './pipeline.js';

/** The backlog bounds of the ingest pipeline, with a real SQLite store behind it. */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(limits: { maxPendingMessages: number; maxPendingChars: number; batchSize?: number; maxWritesInFlight?: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-pipeline-'));
  dirs.push(dir);
  const store = new SqliteStore({ path: join(dir, 'c.db'), maxEventBytes: 1 << 20, maxFieldBytes: 65536 });
  await store.open();
  const metrics = createMetrics();
  // Acknowledgements as a RabbitMQ adapter would get them (Redis messages carry no token).
  const acks: number[] = [];
  const broker = { ackUpTo: (t: number) => acks.push(t) } as unknown as BrokerAdapter;
  const ingestor = new Ingestor(
    { state: new LiveState({ finishedCacheSize: 100 }), store, broker, metrics, log: pino({ level: 'silent' }) },
    { maxEventBytes: 1 << 20, flushIntervalMs: 50, batchSize: limits.batchSize ?? 100, ...limits },
  );
  return { store, metrics, ingestor, acks };
}

const payload = (i: number, pad = 0) =>
  JSON.stringify({ type: 'task-received', uuid: `u${i}`, hostname: 'w@h', timestamp: 1000 + i, clock: i, name: 'x', args: 'a'.repeat(pad), kwargs: '{}' });

describe('Ingestor batches', () => {
  it('writes a batch once it holds 8 M characters, however few messages, and merges at most 32 M', async () => {
    const { store, ingestor } = await setup({ maxPendingMessages: 1_000_000, maxPendingChars: 1 << 30, batchSize: 1_000_000 });
    // The store's own writes, as they happen (the real SQLite store underneath).
    const writes: number[] = [];
    const write = store.write.bind(store);
    store.write = (b) => {
      writes.push(b.payloads.reduce((n, p) => n + p.length, 0));
      return write(b);
    };
    // 100 messages of ~0.5 M characters each (task.multi-sized), fed in one go: nothing is
    // written meanwhile, so the batches queue up and are merged when the first write returns.
    for (let i = 0; i < 100; i++) ingestor.payload(payload(i, 500_000), null);
    expect(await ingestor.drainAll()).toBe(true);
    expect((await store.counts()).events).toBe(100);
    expect(writes.length).toBeGreaterThan(1);
    for (const chars of writes) expect(chars).toBeLessThanOrEqual(32 * 1024 * 1024 + 600_000);
    expect(writes.reduce((a, b) => a + b, 0)).toBeGreaterThan(50_000_000);
    await store.close();
  }, 60_000);
});

describe('Ingestor writes in flight', () => {
  it('hands the store two batches at once, acknowledges them in order, and retries a failed one before acknowledging any later', async () => {
    const { store, metrics, ingestor, acks } = await setup({ maxPendingMessages: 1_000_000, maxPendingChars: 1 << 30, batchSize: 10, maxWritesInFlight: 2 });
    // The first write fails (as a full disk or a locked file would) after the second was handed over.
    const write = store.write.bind(store);
    const started: number[] = [];
    let calls = 0;
    store.write = async (b) => {
      const n = ++calls;
      started.push(b.payloads.length);
      if (n === 1) {
        await new Promise((r) => setTimeout(r, 150));
        throw new Error('disk full (injected)');
      }
      return write(b);
    };
    for (let i = 0; i < 10; i++) ingestor.payload(payload(i), 100 + i); // a full batch: handed over at once
    for (let i = 10; i < 20; i++) ingestor.payload(payload(i), 100 + i); // the second, while the first is written
    await new Promise((r) => setTimeout(r, 50));
    expect(started).toEqual([10, 10]);
    expect(acks).toEqual([]); // the second is stored, but the first is not
    expect(await ingestor.drainAll()).toBe(true);
    expect(acks).toEqual([109, 119]);
    expect((await store.counts()).events).toBe(20);
    expect((await metrics.registry.getSingleMetric('celeriac_store_write_errors_total')?.get())?.values[0]?.value).toBe(1);
    await store.close();
  });
});

describe('Ingestor backlog bounds', () => {
  it('drops and counts what comes in beyond --max-pending-mb, and stores everything it accepted', async () => {
    const { store, metrics, ingestor } = await setup({ maxPendingMessages: 1_000_000, maxPendingChars: 50_000 });
    // Fed in one go (no await): nothing can be stored meanwhile, so the byte cap decides.
    let chars = 0;
    let accepted = 0;
    for (let i = 0; i < 100; i++) {
      const p = payload(i, 1000);
      if (chars < 50_000) {
        accepted++;
        chars += p.length;
      }
      ingestor.payload(p, null);
    }
    expect(await ingestor.drainAll()).toBe(true);
    expect((await metrics.registry.getSingleMetric('celeriac_events_dropped_total')?.get())?.values[0]?.value).toBe(100 - accepted);
    expect((await store.counts()).events).toBe(accepted);
    expect(accepted).toBeGreaterThan(40);
    expect(accepted).toBeLessThan(50);
    await store.close();
  });

  it('drops and counts what comes in beyond --max-pending-events', async () => {
    const { store, metrics, ingestor } = await setup({ maxPendingMessages: 1000, maxPendingChars: 1 << 30 });
    for (let i = 0; i < 1500; i++) ingestor.payload(payload(i), null);
    expect(await ingestor.drainAll()).toBe(true);
    expect((await metrics.registry.getSingleMetric('celeriac_events_dropped_total')?.get())?.values[0]?.value).toBe(500);
    expect((await store.counts()).events).toBe(1000);
    await store.close();
  });
});
