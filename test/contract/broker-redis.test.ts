import { Redis } from 'ioredis';
import { wrapEnvelope } from '../../src/broker/kombu.js';
import { RedisBroker } from '../../src/broker/redis.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, redisUrl } from '../helpers/services.js';
import { runBrokerContract, silentLog } from './broker.contract.js';

const DB = REDIS_DB['broker-contract.redis'];
const url = redisUrl(DB);
let pub: Redis;
const channel = (routingKey: string) => `/${DB}.celeryev/${routingKey}`;
const envelope = (payload: string, routingKey: string) =>
  wrapEnvelope(payload, { exchange: 'celeryev', routingKey, headers: { hostname: 'contract@test' }, deliveryMode: 1 });

runBrokerContract('redis', {
  celeryBroker: url,
  async setup() {
    pub = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: DB });
    await pub.flushdb();
  },
  async teardown() {
    await pub.flushdb();
    pub.disconnect();
  },
  makeAdapter: ({ maxMessageBytes }) => new RedisBroker({ url, log: silentLog, maxMessageChars: maxMessageBytes }),
  makeUnreachableAdapter: () => new RedisBroker({ url: `redis://:secret@127.0.0.1:1/${DB}`, log: silentLog, maxMessageChars: 1 << 20, connectTimeoutMs: 2000 }),
  async publishEvent(payload, routingKey) {
    await pub.publish(channel(routingKey), envelope(payload, routingKey));
  },
  transportMalformed: [
    { kind: 'bad_envelope', publish: async () => void (await pub.publish(channel('task.sent'), 'this is not an envelope')) },
    { kind: 'bad_envelope', publish: async () => void (await pub.publish(channel('task.sent'), JSON.stringify({ headers: {} }))) },
    {
      kind: 'bad_base64',
      publish: async () => {
        const env = JSON.parse(envelope('{}', 'task.sent')) as { body: string };
        env.body = 'not*base64!';
        await pub.publish(channel('task.sent'), JSON.stringify(env));
      },
    },
  ],
  async dropConnections() {
    // Only our adapter's connections (named by RedisBroker, on this test's db): other test
    // files share the server.
    const list = (await pub.client('LIST')) as string;
    const ids = list
      .split('\n')
      .filter((l) => / name=celeriac-(events|cmd) /.test(l) && new RegExp(` db=${DB} `).test(l))
      .map((l) => /\bid=(\d+)/.exec(l)![1]!);
    if (ids.length === 0) throw new Error('no celeriac connections to drop');
    for (const id of ids) await pub.client('KILL', 'ID', id);
  },
});
