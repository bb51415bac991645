import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { AppError } from '../shared/errors.js';
import { RedisBroker } from './redis.js';
import type { BrokerAdapter } from './types.js';

export type { BrokerAdapter, BrokerStatus, EventConsumer, PidboxMessage } from './types.js';
export { RedisBroker } from './redis.js';

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
    default:
      throw new AppError('CONFIG_INVALID', `--broker: the ${scheme}:// transport is not supported yet`);
  }
}
