import { randomUUID } from 'node:crypto';
import type { PidboxMessage } from '../broker/types.js';
import type { ControlTransport, PidboxReply } from './transport.js';

export interface BroadcastOptions {
  /** Only these nodes act (null/undefined: every worker). */
  destination?: string[] | null;
  /** Glob over node names, used when destination is empty. */
  pattern?: string | null;
  timeoutMs?: number;
  /** Stop waiting after this many replies; defaults to the number of destinations. */
  limit?: number;
}

/**
 * The client side of Celery's mailbox: `broadcast` (with or without replies) over whichever
 * transport. Replies come back as a map node → result; a node that replied twice keeps the
 * first answer.
 */
export class PidboxClient {
  constructor(
    private readonly transport: ControlTransport,
    private readonly tick: () => number,
    readonly defaultTimeoutMs: number,
  ) {}

  private message(method: string, args: Record<string, unknown>, o: BroadcastOptions): PidboxMessage {
    return {
      method,
      arguments: args,
      destination: o.destination && o.destination.length ? o.destination : null,
      pattern: o.pattern ?? null,
      matcher: o.pattern ? 'glob' : null,
    };
  }

  async cast(method: string, args: Record<string, unknown> = {}, o: BroadcastOptions = {}): Promise<void> {
    await this.transport.cast(this.message(method, args, o), this.tick());
  }

  async call(method: string, args: Record<string, unknown> = {}, o: BroadcastOptions = {}): Promise<Map<string, unknown>> {
    const msg = { ...this.message(method, args, o), ticket: randomUUID() };
    const limit = o.limit ?? (msg.destination ? msg.destination.length : undefined);
    const replies = await this.transport.call(msg, this.tick(), { timeoutMs: o.timeoutMs ?? this.defaultTimeoutMs, limit });
    return repliesByNode(replies);
  }
}

export function repliesByNode(replies: PidboxReply[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const r of replies) for (const [node, result] of Object.entries(r)) if (!out.has(node)) out.set(node, result);
  return out;
}
