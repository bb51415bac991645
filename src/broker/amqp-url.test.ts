import { describe, expect, it } from 'vitest';
import { parseAmqpUrl } from './amqp-url.js';

const parse = (url: string, heartbeat = 60) =>
  parseAmqpUrl(url, { heartbeat, readFile: (p: string) => Buffer.from(`pem:${p}`) });

describe('parseAmqpUrl', () => {
  it('reads Celery-style URLs with the "/" vhost written as //', () => {
    const t = parse('amqp://guest:guest@127.0.0.1:5672//');
    expect(t.connect).toMatchObject({ protocol: 'amqp', hostname: '127.0.0.1', port: 5672, username: 'guest', password: 'guest', vhost: '/', heartbeat: 60 });
    expect(t.vhostName).toBe('/');
  });

  it('defaults: guest/guest, port by scheme, vhost "/"', () => {
    expect(parse('amqp://rabbit').connect).toMatchObject({ hostname: 'rabbit', port: 5672, username: 'guest', password: 'guest', vhost: '/' });
    expect(parse('amqp://rabbit/').vhostName).toBe('/');
    expect(parse('amqps://rabbit').connect.port).toBe(5671);
  });

  it('decodes the vhost and credentials once', () => {
    const t = parse('amqp://us%40er:p%3Ass@h:1234/my%2Fvhost');
    expect(t.connect).toMatchObject({ username: 'us@er', password: 'p:ss', port: 1234, vhost: 'my%2Fvhost' });
    expect(t.vhostName).toBe('my/vhost');
    expect(parse('amqp://h/%2F').vhostName).toBe('/');
    expect(parse('amqp://h/prod').vhostName).toBe('prod');
  });

  it('takes heartbeat from the option, the URL query overriding it', () => {
    expect(parse('amqp://h//', 0).connect.heartbeat).toBe(0);
    expect(parse('amqp://h//?heartbeat=10', 60).connect.heartbeat).toBe(10);
    expect(() => parse('amqp://h//?heartbeat=x')).toThrow(/heartbeat/);
  });

  it('reads IPv6 hosts', () => {
    expect(parse('amqp://u:p@[::1]:5673/v').connect).toMatchObject({ hostname: '::1', port: 5673 });
  });

  it('reads TLS options in kombu and RabbitMQ spellings', () => {
    const k = parse('amqps://h//?ssl_ca_certs=/ca.pem&ssl_certfile=/c.pem&ssl_keyfile=/k.pem&ssl_cert_reqs=CERT_REQUIRED');
    expect(k.socket.ca?.[0]?.toString()).toBe('pem:/ca.pem');
    expect(k.socket.cert?.toString()).toBe('pem:/c.pem');
    expect(k.socket.key?.toString()).toBe('pem:/k.pem');
    expect(k.socket.rejectUnauthorized).toBeUndefined();
    expect(parse('amqps://h//?ssl_cert_reqs=CERT_NONE').socket.rejectUnauthorized).toBe(false);
    expect(parse('amqps://h//?verify=verify_none').socket.rejectUnauthorized).toBe(false);
    expect(parse('amqps://h//?cacertfile=/x').socket.ca?.[0]?.toString()).toBe('pem:/x');
    expect(parse('amqps://h//?ssl_check_hostname=false').socket.checkServerIdentity).toBeTypeOf('function');
    expect(() => parse('amqps://h//?ssl_cert_reqs=SOMETIMES')).toThrow(/ssl_cert_reqs/);
  });

  it('ignores TLS options on plain amqp://', () => {
    expect(parse('amqp://h//?ssl_ca_certs=/ca.pem').socket.ca).toBeUndefined();
  });

  it('reports an unreadable CA file as a configuration error', () => {
    expect(() =>
      parseAmqpUrl('amqps://h//?ssl_ca_certs=/nope.pem', {
        heartbeat: 60,
        readFile: () => {
          throw new Error('ENOENT');
        },
      }),
    ).toThrow(/cannot read CA file "\/nope.pem"/);
  });

  it('rejects bad ports', () => {
    expect(() => parse('amqp://h:99999//')).toThrow(/bad port/);
  });
});
