/**
 * vitest global setup: waits for any other test run or `npm run bench` on this machine to end
 * (they share its Redis, RabbitMQ and PostgreSQL under fixed names; src/bench/services-lock.ts).
 */
import { acquireServicesLock } from '../src/bench/services-lock.js';

export default async function setup(): Promise<() => void> {
  return acquireServicesLock('tests');
}
