import { describe, expect, it } from 'vitest';
import { closeAmqp } from './amqplib.js';

describe('closeAmqp', () => {
  it('waits for a close the broker confirms, and reports it closed', async () => {
    let destroyed = 0;
    const conn = { close: () => new Promise<void>((r) => setTimeout(r, 10)), connection: { stream: { destroy: () => destroyed++ } } };
    expect(await closeAmqp(conn, 1000)).toBe(true);
    expect(destroyed).toBe(0);
  });

  it('counts a close that fails (already closed) as done', async () => {
    expect(await closeAmqp({ close: () => Promise.reject(new Error('Connection closed')) }, 1000)).toBe(true);
  });

  it('drops the socket of the connection when the broker never confirms', async () => {
    let destroyed = 0;
    let reason: Error | undefined;
    const conn = { close: () => new Promise<void>(() => undefined), connection: { stream: { destroy: (err?: Error) => (destroyed++, (reason = err)) } } };
    const channel = { close: () => new Promise<void>(() => undefined) };
    const t0 = Date.now();
    expect(await closeAmqp(channel, 50, conn)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(destroyed).toBe(1);
    expect(reason?.message).toMatch(/did not confirm the close within 50 ms/); // amqplib ends the connection on 'error'
  });
});
