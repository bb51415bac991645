import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { AppError } from '../shared/errors.js';
import { RabbitBroker } from './rabbitmq.js';
import { RedisBroker } from './redis.js';
import type { BrokerAdapter } from './types.js';

export type { BrokerAdapter, BrokerStatus, EventConsumer, PidboxMessage } from './types.js';
export { RedisBroker } from './redis.js';
export { RabbitBroker } from './rabbitmq.js';

/** Picks the adapter for the broker URL's scheme. */
export function createBroker(config: Config, log: Logger): BrokerAdapter {
  const scheme = config.broker.slice(0, config.broker.indexOf(':'));
  // base64 grows text by 4/3 and the envelope adds a few hundred characters.
  const maxMessageChars = Math.ceil((config.maxEventBytes * 4) / 3) + 4096;
  switch (scheme) {
    case 'redis':
    case 'rediss':
    case 'redis+socket':
    case 'unix':
      return new RedisBroker({ url: config.broker, log: log.child({ mod: 'broker' }), maxMessageChars });
    case 'amqp':
    case 'amqps':
      return new RabbitBroker({
        url: config.broker,
        log: log.child({ mod: 'broker' }),
        maxMessageBytes: config.maxEventBytes,
        heartbeat: config.brokerHeartbeat,
        queue: config.eventQueue || `celeriac.events.${config.instanceName}`,
        queueExpiresSeconds: config.eventQueueExpires,
        prefetch: config.prefetch,
        connectionName: `celeriac ${config.instanceName}`,
      });
    default:
      throw new AppError('CONFIG_INVALID', `--broker: the ${scheme}:// transport is not supported yet`);
  }
}
