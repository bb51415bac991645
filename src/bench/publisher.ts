/**
 * The benchmark's event publisher, run as its own process (child_process.fork) so it neither
 * shares a thread with Celeriac nor with the harness. It builds real-format event envelopes
 * (events.ts) and pipelines raw RESP `PUBLISH` commands into Redis at a controlled rate of
 * task events per second, counting Redis' replies. Messages: parent → {start}, child →
 * {ready}, {done: PublishResult}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { LifecycleStream, type Envelope } from './events.js';

export interface PublisherOptions {
  /** 'redis' (raw RESP PUBLISH) or an amqp:// URL (amqplib, exchange celeryev). */
  transport?: string;
  host: string;
  port: number;
  db: number;
  /** Task events per second (0 = as fast as possible). */
  rate: number;
  durationS: number;
  /** 0 or 1: one event per message; N > 1: task.multi batches of up to N. */
  multi: number;
  workers: number;
  failureRatio: number;
  hostPrefix: string;
}

export interface PublishResult {
  taskEvents: number;
  tasks: number;
  messages: number;
  workerMessages: number;
  replies: number;
  /** Smallest subscriber count Redis reported for a PUBLISH (0 = someone was not listening). */
  minSubscribers: number;
  elapsedS: number;
  achievedRate: number;
  /** Seconds the publisher was behind its schedule by more than 100 ms, summed. */
  behindS: number;
}

function resp(channel: string, text: string): string {
  return `*3\r\n$7\r\nPUBLISH\r\n$${channel.length}\r\n${channel}\r\n$${text.length}\r\n${text}\r\n`;
}

interface Sink {
  write(out: Envelope[]): boolean;
  waitDrain(): Promise<void>;
  unconfirmed(): number;
  finish(): Promise<void>;
  minSubscribers(): number;
  replies(): number;
}

async function amqpSink(url: string): Promise<Sink> {
  const amqp = await import('amqplib');
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange('celeryev', 'topic', { durable: true, autoDelete: false });
  let sent = 0;
  return {
    write(out) {
      let ok = true;
      for (const e of out) {
        ok = ch.publish('celeryev', e.routingKey, Buffer.from(e.payload, 'utf8'), {
          contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1, priority: 0, headers: { hostname: e.hostname },
        }) && ok;
        sent++;
      }
      return ok;
    },
    waitDrain: () => new Promise<void>((res) => ch.once('drain', () => res())),
    unconfirmed: () => 0,
    async finish() {
      await ch.close();
      await conn.close();
    },
    minSubscribers: () => 1,
    replies: () => sent,
  };
}

export async function publish(o: PublisherOptions, onProgress?: (taskEvents: number) => void): Promise<PublishResult> {
  if (o.transport && o.transport.startsWith('amqp')) return run(o, await amqpSink(o.transport), onProgress);
  return run(o, await redisSink(o), onProgress);
}

async function redisSink(o: PublisherOptions): Promise<Sink> {
  const sock: Socket = connect({ host: o.host, port: o.port });
  sock.setNoDelay(true);
  await new Promise<void>((res, rej) => {
    sock.once('connect', () => res());
    sock.once('error', rej);
  });
  let replies = 0;
  let minSubs = Number.POSITIVE_INFINITY;
  let tail = '';
  sock.on('data', (d: Buffer) => {
    const s = tail + d.toString('latin1');
    let i = 0;
    let nl: number;
    while ((nl = s.indexOf('\r\n', i)) >= 0) {
      if (s.charCodeAt(i) === 58 /* : */) {
        const n = Number(s.slice(i + 1, nl));
        if (n < minSubs) minSubs = n;
      }
      replies++;
      i = nl + 2;
    }
    tail = s.slice(i);
  });
  const prefix = `/${o.db}.celeryev/`;
  let messages = 0;
  return {
    write(out) {
      let chunk = '';
      for (const e of out) chunk += resp(prefix + e.routingKey, e.text);
      messages += out.length;
      return chunk === '' ? true : sock.write(chunk, 'latin1');
    },
    waitDrain: () => new Promise<void>((res) => sock.once('drain', () => res())),
    unconfirmed: () => messages - replies,
    async finish() {
      const deadline = Date.now() + 30000;
      while (replies < messages && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      sock.end();
    },
    minSubscribers: () => (minSubs === Number.POSITIVE_INFINITY ? 0 : minSubs),
    replies: () => replies,
  };
}

async function run(o: PublisherOptions, sink: Sink, onProgress?: (taskEvents: number) => void): Promise<PublishResult> {
  const stream = new LifecycleStream({
    workers: o.workers, multi: o.multi, failureRatio: o.failureRatio, delay: 40, hostPrefix: o.hostPrefix, pid: process.pid,
  });
  let taskEvents = 0;
  let messages = 0;
  let workerMessages = 0;
  const send = (out: Envelope[]): boolean => {
    for (const e of out) {
      taskEvents += e.taskEvents;
      messages++;
      if (e.taskEvents === 0) workerMessages++;
    }
    const ok = sink.write(out);
    out.length = 0;
    return ok;
  };
  const out: Envelope[] = [];
  stream.workerEvents('worker-online', out);
  send(out);
  const t0 = performance.now();
  const end = t0 + o.durationS * 1000;
  let nextHeartbeat = t0 + 2000;
  let behindMs = 0;
  const waitDrain = () => sink.waitDrain();
  const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
  let lastProgress = t0;
  let lastTick = t0;
  for (;;) {
    const now = performance.now();
    if (now >= end) break;
    const tickMs = now - lastTick;
    lastTick = now;
    if (now >= nextHeartbeat) {
      stream.workerEvents('worker-heartbeat', out);
      nextHeartbeat += 2000;
    }
    const due = o.rate > 0 ? Math.floor(((now - t0) / 1000) * o.rate) - taskEvents : 4000;
    if (o.rate > 0 && due * 10 > o.rate) behindMs += tickMs;
    let produced = 0;
    const max = Math.min(due, 4000);
    while (produced < max) {
      const before = out.length;
      stream.step(out);
      for (let i = before; i < out.length; i++) produced += out[i]!.taskEvents;
    }
    // Batches are flushed per tick like a worker's event loop iteration.
    if (o.multi > 1) stream.flushAll(out);
    const ok = send(out);
    if (now - lastProgress > 1000) {
      onProgress?.(taskEvents);
      lastProgress = now;
    }
    if (!ok) await waitDrain();
    else if (due <= max) await sleep(5);
    else await new Promise<void>((res) => setImmediate(res));
    // Keep the pipeline bounded so a stalled Redis shows up as a lower achieved rate.
    while (sink.unconfirmed() > 200000) await sleep(5);
  }
  stream.drain(out);
  stream.workerEvents('worker-offline', out);
  if (!send(out)) await waitDrain();
  const elapsedS = (performance.now() - t0) / 1000;
  await sink.finish();
  return {
    taskEvents, tasks: stream.tasksStarted, messages, workerMessages, replies: sink.replies(),
    minSubscribers: sink.minSubscribers(),
    elapsedS, achievedRate: taskEvents / elapsedS, behindS: behindMs / 1000,
  };
}

export interface PublisherChild {
  pid: number;
  /** Starts publishing; resolves with the publisher's own count and achieved rate. */
  run(): Promise<PublishResult>;
  kill(): void;
}

/**
 * Forks this file as the publisher process and resolves when it is ready. `script` is the
 * built publisher (dist/bench/publisher.js); by default this very module, when it runs built.
 */
export function forkPublisher(opts: PublisherOptions, script = fileURLToPath(import.meta.url)): Promise<PublisherChild> {
  const child: ChildProcess = fork(script, ['--child', JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise((res, rej) => {
    child.once('error', rej);
    child.once('exit', (code) => rej(new Error(`publisher exited ${code} before it was ready`)));
    child.once('message', (m: { ready?: boolean }) => {
      if (!m.ready) return rej(new Error('publisher did not start'));
      res({
        pid: child.pid!,
        kill,
        run: () =>
          new Promise<PublishResult>((done, fail) => {
            child.on('message', (msg: { done?: PublishResult; error?: string }) => {
              if (msg.done) done(msg.done);
              if (msg.error) fail(new Error(msg.error));
            });
            child.once('exit', (code) => code !== 0 && fail(new Error(`publisher exited ${code}`)));
            child.send({ start: true });
          }),
      });
    });
  });
}

// Run as a forked child: wait for {start}, publish, report.
if (process.send && process.argv[2] === '--child') {
  const opts = JSON.parse(process.argv[3]!) as PublisherOptions;
  process.on('message', (m: { start?: boolean }) => {
    if (!m.start) return;
    publish(opts, (n) => process.send!({ progress: n }))
      .then((r) => process.send!({ done: r }, () => process.exit(0)))
      .catch((err: unknown) => {
        process.send!({ error: String(err) }, () => process.exit(1));
      });
  });
  process.send({ ready: true });
}
