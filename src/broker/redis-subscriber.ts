import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { RespProtocolError, RespSubscriberParser, type RespValue } from './resp-parser.js';

export interface RedisSubscriberOptions {
  host?: string;
  port?: number;
  /** A Unix socket path instead of host/port. */
  path?: string;
  tls?: ConnectionOptions;
  username?: string;
  password?: string;
  db: number;
  connectionName: string;
  /** The PSUBSCRIBE pattern. */
  pattern: string;
  /** ms to connect and subscribe, each attempt. */
  connectTimeoutMs: number;
  /** Delay before reconnect attempt `times` (1, 2, ...) after a lost connection; null: give up. */
  retryStrategy(times: number): number | null;
  /** Payloads longer than this are reported to onOversize and skipped, never buffered whole. */
  maxPayloadBytes: number;
  /** A published message: `buf[start, end)` is its payload, valid only during the call. */
  onMessage(buf: Buffer, start: number, end: number): void;
  onOversize(bytes: number): void;
  /** Subscribed (the first time and after every reconnect). */
  onReady(): void;
  /** The connection closed (or an attempt failed). */
  onClose(): void;
  onError(err: Error): void;
}

/** Bytes read from the socket at a time (one buffer, reused). */
const READ_BUFFER = 256 * 1024;

/** Server replies that only say AUTH was not needed; ioredis carries on after them too. */
const HARMLESS_AUTH = /no password is set|without any password configured/;

/**
 * The event subscription's own Redis connection: pub/sub only, read with RespSubscriberParser
 * so every message reaches the envelope reader as bytes. It replaces an ioredis client, whose
 * per-message work (a Buffer per array element, UTF-8 strings of the channel and the whole
 * envelope, two emits) cost more than the rest of the receive path's transport side.
 *
 * Handshake, pipelined: [AUTH] [SELECT db] CLIENT SETNAME, PSUBSCRIBE. Ready once the
 * subscription is confirmed. A lost connection is retried by `retryStrategy` (with the
 * attempt count reset after each successful subscription), like ioredis' own.
 */
export class RedisSubscriber {
  private socket: Socket | null = null;
  private closed = false;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Replies still expected for the handshake, in order; empty once subscribed. */
  private expect: string[] = [];
  private readonly parser: RespSubscriberParser;
  private firstAttempt: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private lastError: Error | null = null;

  constructor(private readonly o: RedisSubscriberOptions) {
    // Plain TCP and Unix sockets read into one buffer of ours (net's `onread`): no Buffer
    // allocated per read, no stream machinery per chunk. TLS sockets read as a stream.
    this.parser = new RespSubscriberParser(
      {
        message: (buf, start, end) => o.onMessage(buf, start, end),
        oversize: (bytes) => o.onOversize(bytes),
        reply: (v) => this.reply(v),
      },
      o.maxPayloadBytes,
      !o.tls || Boolean(o.path),
    );
  }

  /** The read buffer for `onread` (shared by every connection of this subscriber, one at a time). */
  private readBuffer: Buffer | null = null;

  private onRead(s: Socket, chunk: Buffer): void {
    try {
      this.parser.push(chunk);
    } catch (err) {
      if (!(err instanceof RespProtocolError)) throw err;
      s.destroy(err);
    }
  }

  /** Connects and subscribes; rejects with the reason if this first attempt fails. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.firstAttempt = { resolve, reject };
      this.open();
    });
  }

  /** Closes for good (no reconnect). */
  async stop(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const s = this.socket;
    if (!s || s.destroyed) return;
    await new Promise<void>((res) => {
      s.once('close', () => res());
      s.end();
      setTimeout(() => s.destroy(), 500).unref();
    });
  }

  private open(): void {
    const o = this.o;
    this.parser.reset();
    this.lastError = null;
    const useTls = o.tls !== undefined && !o.path;
    let s: Socket;
    if (useTls) {
      // (tls.connect names the server by `host` itself when it is not an IP address.)
      s = tlsConnect({ ...o.tls, host: o.host ?? '127.0.0.1', port: o.port ?? 6379 });
      s.on('data', (chunk: Buffer) => this.onRead(s, chunk));
    } else {
      const buffer = (this.readBuffer ??= Buffer.allocUnsafe(READ_BUFFER));
      const onread = { buffer, callback: (n: number) => (this.onRead(s, buffer.subarray(0, n)), true) };
      s = o.path ? netConnect({ path: o.path, onread }) : netConnect({ host: o.host ?? '127.0.0.1', port: o.port ?? 6379, onread });
    }
    this.socket = s;
    s.setNoDelay(true);
    s.setTimeout(o.connectTimeoutMs, () => s.destroy(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })));
    s.once(useTls ? 'secureConnect' : 'connect', () => this.handshake(s));
    s.on('error', (err: Error) => {
      this.lastError = err;
      o.onError(err);
    });
    s.once('close', () => this.onClose(s));
  }

  private handshake(s: Socket): void {
    const o = this.o;
    const cmds: string[][] = [];
    this.expect = [];
    if (o.password !== undefined) {
      cmds.push(o.username !== undefined ? ['AUTH', o.username, o.password] : ['AUTH', o.password]);
      this.expect.push('auth');
    }
    if (o.db !== 0) {
      cmds.push(['SELECT', String(o.db)]);
      this.expect.push('select');
    }
    cmds.push(['CLIENT', 'SETNAME', o.connectionName]);
    this.expect.push('setname');
    cmds.push(['PSUBSCRIBE', o.pattern]);
    this.expect.push('psubscribe');
    s.write(cmds.map(encodeCommand).join(''));
  }

  private reply(v: RespValue): void {
    const what = this.expect.shift();
    if (what === undefined) return; // after subscribing only messages matter
    if (v instanceof Error) {
      if (what === 'setname' || (what === 'auth' && HARMLESS_AUTH.test(v.message))) return;
      this.socket?.destroy(v);
      return;
    }
    if (what === 'psubscribe') {
      this.socket?.setTimeout(0);
      this.attempts = 0;
      const first = this.firstAttempt;
      this.firstAttempt = null;
      first?.resolve();
      this.o.onReady();
    }
  }

  private onClose(s: Socket): void {
    if (s !== this.socket) return;
    this.socket = null;
    this.o.onClose();
    const first = this.firstAttempt;
    if (first) {
      // The first attempt decides start(): no retries before it succeeded once.
      this.firstAttempt = null;
      this.closed = true;
      first.reject(this.lastError ?? new Error('Connection is closed.'));
      return;
    }
    if (this.closed) return;
    const delay = this.o.retryStrategy(++this.attempts);
    if (delay === null) {
      this.closed = true;
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) this.open();
    }, delay);
  }
}

/** A command as a RESP array of bulk strings. */
export function encodeCommand(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'utf8')}\r\n${a}\r\n`;
  return out;
}
