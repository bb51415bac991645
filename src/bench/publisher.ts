/**
 * The benchmark's event publisher, run as its own process (child_process.fork) so it neither
 * shares a thread with Celeriac nor with the harness. It builds real-format event messages
 * (events.ts) and pipelines raw RESP `PUBLISH` commands of kombu envelopes into Redis
 * (publisher-wire.ts) at a controlled rate of task events per second, counting Redis' replies.
 * Messages: parent → {start}, child → {ready}, {done: PublishResult}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { LifecycleStream, ROUTING_KEYS, type MessageSink } from './events.js';
import { PublishReplyCounter, RespPublishEncoder } from './publisher-wire.js';

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
  /** CPU seconds the publisher process used (user + system), when it ran as a child. */
  cpuS?: number;
}

interface Sink extends MessageSink {
  /** Sends what the messages since the last call made; false: wait for drain before more. */
  send(): boolean;
  waitDrain(): Promise<void>;
  unconfirmed(): number;
  finish(): Promise<void>;
  minSubscribers(): number;
  replies(): number;
}

async function amqpSink(url: string, hosts: readonly string[]): Promise<Sink> {
  const amqp = await import('amqplib');
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.assertExchange('celeryev', 'topic', { durable: true, autoDelete: false });
  let sent = 0;
  let ok = true;
  return {
    message(routingKey, host, payload) {
      ok = ch.publish('celeryev', ROUTING_KEYS[routingKey]!, Buffer.from(payload, 'utf8'), {
        contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1, priority: 0, headers: { hostname: hosts[host]! },
      }) && ok;
      sent++;
    },
    send() {
      const r = ok;
      ok = true;
      return r;
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
  const stream = new LifecycleStream({
    workers: o.workers, multi: o.multi, failureRatio: o.failureRatio, delay: 40, hostPrefix: o.hostPrefix, pid: process.pid,
  });
  const sink = o.transport && o.transport.startsWith('amqp') ? await amqpSink(o.transport, stream.hosts) : await redisSink(o, stream.hosts);
  return run(o, stream, sink, onProgress);
}

async function redisSink(o: PublisherOptions, hosts: readonly string[]): Promise<Sink> {
  const sock: Socket = connect({ host: o.host, port: o.port });
  sock.setNoDelay(true);
  await new Promise<void>((res, rej) => {
    sock.once('connect', () => res());
    sock.once('error', rej);
  });
  const counter = new PublishReplyCounter();
  // Replies are read once per tick: after a read the socket stops reading until the next send
  // (they wait in the kernel, a few bytes each), instead of waking the process for every
  // bunch of replies Redis writes while the publisher sleeps between ticks.
  let finishing = false;
  sock.on('data', (d: Buffer) => {
    counter.push(d);
    if (!finishing) sock.pause();
  });
  const enc = new RespPublishEncoder(o.db, hosts, (chunk) => sock.write(chunk));
  return {
    message: (routingKey, host, payload, taskEvents) => enc.message(routingKey, host, payload, taskEvents),
    send: () => {
      sock.resume();
      return enc.flush();
    },
    waitDrain: () => new Promise<void>((res) => sock.once('drain', () => res())),
    unconfirmed: () => {
      sock.resume();
      return enc.messages - counter.replies;
    },
    async finish() {
      finishing = true;
      sock.resume();
      const deadline = Date.now() + 30000;
      while (counter.replies < enc.messages && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      sock.end();
    },
    minSubscribers: () => (counter.minSubscribers === Number.POSITIVE_INFINITY ? 0 : counter.minSubscribers),
    replies: () => counter.replies,
  };
}

async function run(o: PublisherOptions, stream: LifecycleStream, sink: Sink, onProgress?: (taskEvents: number) => void): Promise<PublishResult> {
  let taskEvents = 0;
  let messages = 0;
  let workerMessages = 0;
  stream.sinkTo({
    message(routingKey, host, payload, n) {
      taskEvents += n;
      messages++;
      if (n === 0) workerMessages++;
      sink.message(routingKey, host, payload, n);
    },
  });
  const send = (): boolean => sink.send();
  stream.workerEvents('worker-online');
  send();
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
      stream.workerEvents('worker-heartbeat');
      nextHeartbeat += 2000;
    }
    // Task events sent before this tick's steps (the heartbeats carry none).
    const before = taskEvents;
    const due = o.rate > 0 ? Math.floor(((now - t0) / 1000) * o.rate) - before : 4000;
    if (o.rate > 0 && due * 10 > o.rate) behindMs += tickMs;
    const max = Math.min(due, 4000);
    while (taskEvents - before < max) stream.step();
    // Batches are flushed per tick like a worker's event loop iteration.
    if (o.multi > 1) stream.flushAll();
    const ok = send();
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
  stream.drain();
  stream.workerEvents('worker-offline');
  if (!send()) await waitDrain();
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
      .then((r) => {
        const u = process.cpuUsage();
        process.send!({ done: { ...r, cpuS: (u.user + u.system) / 1e6 } }, () => process.exit(0));
      })
      .catch((err: unknown) => {
        process.send!({ error: String(err) }, () => process.exit(1));
      });
  });
  process.send({ ready: true });
}
