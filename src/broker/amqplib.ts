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
