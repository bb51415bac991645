import type { PidboxMessage } from '../broker/types.js';
import type { TaskMessage } from './task-message.js';

/** One reply to a pidbox call: `{nodename: result}`. */
export type PidboxReply = Record<string, unknown>;

export interface CallOptions {
  timeoutMs: number;
  /** Stop collecting after this many replies (e.g. the number of destinations). */
  limit?: number;
}

/** Depth of one queue, as the broker reports it. */
export interface QueueDepth {
  name: string;
  /** Messages waiting (Redis: sum over the priority lists; RabbitMQ: ready, or ready+unacked from the management API). */
  messages: number;
  ready?: number;
  unacked?: number;
  consumers?: number;
  /** Redis: messages per priority step. */
  priorities?: Record<string, number>;
  /** RabbitMQ management API: the raw queue object (what Flower returns). */
  management?: Record<string, unknown>;
}

/**
 * What the control plane needs from a broker. It opens its own connections (independent of
 * the event adapter); `redis-transport.ts` and `amqp-transport.ts` implement it.
 */
export interface ControlTransport {
  readonly kind: 'redis' | 'amqp';
  start(): Promise<void>;
  stop(): Promise<void>;
  isConnected(): boolean;
  /** Broadcasts with a ticket and collects the replies until the timeout or the limit. */
  call(msg: PidboxMessage & { ticket: string }, clock: number, opts: CallOptions): Promise<PidboxReply[]>;
  /** Broadcasts without asking for replies. */
  cast(msg: PidboxMessage, clock: number): Promise<void>;
  publishTask(msg: TaskMessage): Promise<void>;
  /** Publishes one Celery event (e.g. task-sent) on the event exchange. */
  publishEvent(event: Record<string, unknown>): Promise<void>;
  queueDepths(names: string[]): Promise<QueueDepth[]>;
}

/** Collects replies for one ticket; resolves when the limit is reached or time runs out. */
export class ReplyCollector {
  readonly replies: PidboxReply[] = [];
  readonly done: Promise<PidboxReply[]>;
  private finish!: () => void;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly ticket: string, private readonly limit: number | undefined) {
    this.done = new Promise((resolve) => {
      this.finish = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        resolve(this.replies);
      };
    });
  }

  startTimer(ms: number): void {
    this.timer = setTimeout(() => this.finish(), ms);
  }

  add(reply: unknown): void {
    if (reply && typeof reply === 'object' && !Array.isArray(reply)) this.replies.push(reply as PidboxReply);
    if (this.limit !== undefined && this.replies.length >= this.limit) this.finish();
  }

  cancel(): void {
    this.finish();
  }
}

export const PIDBOX_EXCHANGE = 'celery.pidbox';
export const REPLY_EXCHANGE = 'reply.celery.pidbox';
export const EVENT_EXCHANGE = 'celeryev';

/** The routing key of an event type: the first "-" becomes "." (task-sent → task.sent). */
export const eventRoutingKey = (type: string) => type.replace('-', '.');
