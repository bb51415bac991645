/**
 * The broker port. Ingest, control and the API see only this; `redis.ts` and `rabbitmq.ts`
 * implement it, and test/contract/broker.contract.ts runs the same suite against both.
 */
export interface EventConsumer {
  /**
   * One event message's payload: the JSON text of a Celery event or of a `task.multi` array,
   * already unwrapped from the transport's framing. `ackToken` is set when the broker wants an
   * acknowledgement after the events are persisted (see `ackUpTo`).
   */
  payload(text: string, ackToken: number | null): void;
  /**
   * A message whose transport framing could not be read (counted, logged, skipped). A message
   * that needs an acknowledgement passes its `ackToken`, so it is acked with the batch it falls in.
   */
  malformed(kind: 'bad_envelope' | 'bad_base64' | 'too_large', detail: string, ackToken?: number | null): void;
}

export type BrokerStatus = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface BrokerStatusListener {
  (status: BrokerStatus, info: { reconnected: boolean; error?: string }): void;
}

/** A remote-control (pidbox) broadcast, as in celery-wire.md §5.1. */
export interface PidboxMessage {
  method: string;
  arguments: Record<string, unknown>;
  destination?: string[] | null;
  pattern?: string | null;
  matcher?: string | null;
  ticket?: string;
  reply_to?: { exchange: string; routing_key: string };
}

export interface BrokerAdapter {
  readonly kind: 'redis' | 'amqp';
  /** The broker URL with any password masked, for logs and the API. */
  readonly displayUrl: string;
  /**
   * Connects and starts consuming events. Resolves once subscribed; rejects (AppError
   * BROKER_CONNECT_FAILED) if the first connection cannot be made. Later losses are retried
   * with backoff and reported through `onStatus`.
   */
  start(consumer: EventConsumer): Promise<void>;
  /** Stops consuming and closes every connection. */
  stop(): Promise<void>;
  isConnected(): boolean;
  onStatus(listener: BrokerStatusListener): void;
  /** Acknowledges every event message up to and including `token` (no-op where nothing is acked). */
  ackUpTo(token: number): void;
  /** Sends a pidbox broadcast without waiting for replies (a "cast"). */
  broadcast(msg: PidboxMessage, clock: number): Promise<void>;
}
