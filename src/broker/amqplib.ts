import type { connect } from 'amqplib';

export interface Amqplib {
  connect: typeof connect;
}

let loading: Promise<Amqplib> | null = null;

/**
 * amqplib, loaded on first use: only a RabbitMQ broker needs it, and loading it costs start-up
 * time on Redis (docs/PERFORMANCE.md, Restart). It is its own bundle chunk (scripts/bundle.mjs).
 */
export function loadAmqplib(): Promise<Amqplib> {
  loading ??= import('amqplib').then((m) => m.default);
  return loading;
}

/** What closeAmqp needs of an amqplib connection (ChannelModel) or channel. */
interface Closable {
  close(): Promise<void>;
}
interface WithStream {
  connection?: { stream?: { destroy(err?: Error): void } };
}

/**
 * Closes an amqplib channel or connection, but never waits longer than `ms` for the broker's
 * CloseOk: a broker that stopped reading the socket (a resource alarm blocks publishing
 * connections) would otherwise hold shutdown forever. On time-out the connection's socket is
 * destroyed (the broker then requeues whatever was unacknowledged); for a channel, pass its
 * connection (ChannelModel) as `connectionOf`. Returns false on time-out.
 */
export async function closeAmqp(target: Closable, ms: number, connectionOf: object = target): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const closed = target.close().then(
    () => true as const,
    () => true as const, // already closed or failed: nothing left to wait for
  );
  const ok = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  // With an error: amqplib listens for the socket's 'error' (not 'close') to end the connection
  // and stop its heartbeat timers.
  if (!ok) (connectionOf as WithStream).connection?.stream?.destroy(new Error(`broker did not confirm the close within ${ms} ms`));
  return ok;
}
