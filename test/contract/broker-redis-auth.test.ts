/**
 * The Redis event subscriber (src/broker/redis-subscriber.ts, our own pub/sub connection)
 * against private redis-server processes: a password, an ACL user, a wrong password, a password
 * the server does not need, TLS and a Unix socket. The shared server on 6379 has none of these.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapEnvelope } from '../../src/broker/kombu.js';
import { RedisBroker } from '../../src/broker/redis.js';
import { Recorder, fakeWorkerEvent, silentLog, startFailure } from './broker.contract.js';
import { sleep, waitFor } from '../helpers/wait.js';

const freePort = () =>
  new Promise<number>((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });

interface Server {
  proc: ChildProcess;
  port: number;
  socket: string;
}

async function startRedis(dir: string, name: string, extra: string[], tls = false): Promise<Server> {
  const port = await freePort();
  const socket = join(dir, `${name}.sock`);
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const proc = spawn('redis-server', [...listen, '--bind', '127.0.0.1', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], {
    stdio: 'ignore',
  });
  // Ready when it accepts connections (a TCP probe: a TLS client torn down mid-handshake by
  // a retry loop left an unhandled socket error behind).
  await waitFor(
    () =>
      new Promise<boolean>((res) => {
        const c = connect({ port, host: '127.0.0.1' });
        c.once('connect', () => {
          c.destroy();
          res(true);
        });
        c.once('error', () => res(false));
      }),
    `redis-server ${name}`,
    10000,
    50,
  );
  return { proc, port, socket };
}

const DB = 3;
const envelope = (payload: string) => wrapEnvelope(payload, { exchange: 'celeryev', routingKey: 'worker.heartbeat', headers: { hostname: 'auth@test' }, deliveryMode: 1 });

/** Starts a broker, checks an event published on the server arrives, stops it. */
async function receives(url: string, publisher: Redis): Promise<void> {
  const broker = new RedisBroker({ url, log: silentLog, maxMessageChars: 1 << 20, connectTimeoutMs: 3000 });
  const rec = new Recorder().attach(broker);
  try {
    await broker.start(rec);
    const { payload, hostname } = fakeWorkerEvent('auth');
    await waitFor(async () => {
      await publisher.publish(`/${DB}.celeryev/worker.heartbeat`, envelope(payload));
      await sleep(50);
      return rec.events.some((e) => e.hostname === hostname);
    }, 'an event through the subscriber', 10000, 10);
    expect(rec.malformedByKind).toEqual({});
  } finally {
    await broker.stop();
  }
}

async function startError(url: string): Promise<string> {
  const err = await startFailure(new RedisBroker({ url, log: silentLog, maxMessageChars: 1 << 20, connectTimeoutMs: 3000 }));
  expect(err?.code).toBe('BROKER_CONNECT_FAILED');
  return err!.message!;
}

describe('Redis event subscriber: authentication and Unix sockets', () => {
  let dir: string;
  let secured: Server;
  let open: Server;
  let tls: Server;
  let pubSecured: Redis;
  let pubOpen: Redis;
  let pubTls: Redis;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-redis-auth-'));
    // A self-signed certificate for the TLS server.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    [secured, open, tls] = await Promise.all([
      startRedis(dir, 'secured', ['--requirepass', 's3cret']),
      startRedis(dir, 'open', []),
      startRedis(dir, 'tls', ['--requirepass', 't1s'], true),
    ]);
    pubSecured = new Redis({ port: secured.port, password: 's3cret' });
    pubOpen = new Redis({ port: open.port });
    pubTls = new Redis({ port: tls.port, password: 't1s', tls: { rejectUnauthorized: false } });
    for (const p of [pubSecured, pubOpen, pubTls]) p.on('error', () => {});
    await pubSecured.call('ACL', 'SETUSER', 'celeriac', 'on', '>pw', '~*', '&*', '+@all');
  }, 30000);

  afterAll(async () => {
    pubSecured?.disconnect();
    pubOpen?.disconnect();
    pubTls?.disconnect();
    for (const s of [secured, open, tls]) s?.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('subscribes with a password', async () => {
    await receives(`redis://:s3cret@127.0.0.1:${secured.port}/${DB}`, pubSecured);
  });

  it('subscribes as an ACL user', async () => {
    await receives(`redis://celeriac:pw@127.0.0.1:${secured.port}/${DB}`, pubSecured);
  });

  it('names its connection and selects the database (visible in CLIENT LIST)', async () => {
    const broker = new RedisBroker({ url: `redis://:s3cret@127.0.0.1:${secured.port}/${DB}`, log: silentLog, maxMessageChars: 1 << 20 });
    await broker.start(new Recorder());
    try {
      const list = (await pubSecured.client('LIST')) as string;
      expect(list).toMatch(new RegExp(` name=celeriac-events .*db=${DB} .*psub=1 `));
    } finally {
      await broker.stop();
    }
  });

  it('fails start-up with one line on a wrong password or none', async () => {
    for (const url of [`redis://:wrong@127.0.0.1:${secured.port}/${DB}`, `redis://127.0.0.1:${secured.port}/${DB}`]) {
      const msg = await startError(url);
      expect(msg).toMatch(/^cannot connect to broker /);
      expect(msg).toMatch(/WRONGPASS|NOAUTH|invalid|password|Connection is closed/i);
      expect(msg).not.toContain('wrong@');
      expect(msg).not.toMatch(/\n/);
    }
  });

  it('carries on when given a password the server does not need (as ioredis does)', async () => {
    await receives(`redis://:unneeded@127.0.0.1:${open.port}/${DB}`, pubOpen);
  });

  it('subscribes over TLS (rediss://, certificate not verified as kombu ssl_cert_reqs=none asks)', async () => {
    await receives(`rediss://:t1s@127.0.0.1:${tls.port}/${DB}?ssl_cert_reqs=none`, pubTls);
  });

  it('refuses a self-signed certificate when verification is on', async () => {
    expect(await startError(`rediss://:t1s@127.0.0.1:${tls.port}/${DB}`)).toMatch(/self.signed|certificate/i);
  });

  it('subscribes over a Unix socket', async () => {
    await receives(`redis+socket://${open.socket}?virtual_host=${DB}`, pubOpen);
  });
});
