import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { AmqpControlTransport } from './amqp-transport.js';
import { RedisControlTransport } from './redis-transport.js';
import type { ControlTransport } from './transport.js';

export { ControlPlane, type Caller, type SendInput } from './service.js';
export type { ControlTransport, QueueDepth } from './transport.js';

/** The control transport for the broker URL's scheme; it opens its own connections. */
export function createControlTransport(config: Config, log: Logger): ControlTransport | null {
  const scheme = config.broker.slice(0, config.broker.indexOf(':'));
  if (scheme === 'amqp' || scheme === 'amqps') {
    return new AmqpControlTransport({ url: config.broker, log, heartbeat: config.brokerHeartbeat, brokerApi: config.brokerApi || undefined });
  }
  if (['redis', 'rediss', 'redis+socket', 'unix'].includes(scheme)) {
    return new RedisControlTransport({ url: config.broker, log, keyPrefix: config.redisKeyPrefix || undefined });
  }
  return null;
}
