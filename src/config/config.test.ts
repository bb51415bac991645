import { describe, expect, it } from 'vitest';
import { maskUrl, parseConfig } from './config.js';

const base = ['--broker', 'redis://127.0.0.1:6379/0'];

describe('parseConfig', () => {
  it('applies defaults', () => {
    const c = parseConfig(base, {}).config!;
    expect(c).toMatchObject({ broker: 'redis://127.0.0.1:6379/0', port: 5555, address: '127.0.0.1', db: './celeriac.db', enableEvents: true, logLevel: 'info' });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads flags in both forms, Flower spellings, negations and the environment', () => {
    const c = parseConfig(['--port=6000', '--enable_events=false', '--inspect_timeout', '2500'], { CELERIAC_BROKER: 'amqp://guest:guest@h//', CELERIAC_DB: '/tmp/x.db' }).config!;
    expect(c).toMatchObject({ port: 6000, enableEvents: false, inspectTimeout: 2500, broker: 'amqp://guest:guest@h//', db: '/tmp/x.db' });
    expect(parseConfig([...base, '--no-enable-events'], {}).config!.enableEvents).toBe(false);
  });

  it('flags beat CELERIAC_* which beat fallbacks', () => {
    expect(parseConfig(['--port', '1'], { CELERIAC_PORT: '2', CELERIAC_BROKER: 'redis://a' }).config!.port).toBe(1);
    expect(parseConfig([], { CELERIAC_BROKER: 'redis://a', CELERY_BROKER_URL: 'redis://b' }).config!.broker).toBe('redis://a');
    expect(parseConfig([], { CELERY_BROKER_URL: 'redis://b' }).config!.broker).toBe('redis://b');
  });

  it.each([
    [['--port', 'abc'], /--port: expected an integer, got "abc"/],
    [['--port', '70000'], /at most 65535/],
    [['--bogus'], /unknown flag --bogus/],
    [['--port'], /--port needs a value/],
    [['stray'], /unexpected argument "stray"/],
    [['--enable-events=maybe'], /expected true or false/],
    [['--log-level', 'loud'], /--log-level: expected one of/],
  ])('rejects %j with one clear message', (args, msg) => {
    expect(() => parseConfig([...base, ...args], {})).toThrow(msg);
  });

  it('requires a broker with a known scheme, without echoing its password', () => {
    expect(() => parseConfig([], {})).toThrow(/no broker given/);
    expect(() => parseConfig(['--broker', 'sqs://user:secret@x'], {})).toThrow(/unsupported URL scheme/);
    expect(() => parseConfig(['--broker', 'kafka://user:secret@x'], {})).not.toThrow(/secret/);
  });

  it('env values are validated too', () => {
    expect(() => parseConfig(base, { CELERIAC_PORT: 'x' })).toThrow(/environment variable CELERIAC_PORT/);
  });
});

describe('maskUrl', () => {
  it('hides passwords only', () => {
    expect(maskUrl('redis://:pw@h:6379/0')).toBe('redis://:***@h:6379/0');
    expect(maskUrl('amqp://guest:guest@h:5672//')).toBe('amqp://guest:***@h:5672//');
    expect(maskUrl('redis://h:6379/0')).toBe('redis://h:6379/0');
  });
});
