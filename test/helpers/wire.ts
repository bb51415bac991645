import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WIRE_DIR } from './services.js';

export interface RedisEventRecord {
  seq: number;
  channel: string;
  event_types: string[];
  raw: string;
  body_decoded: unknown;
}

/** The captured real Redis event messages (shared/fixtures/wire/redis-events.jsonl). */
export function redisEventFixtures(): RedisEventRecord[] {
  return readFileSync(join(WIRE_DIR, 'redis-events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RedisEventRecord);
}

export interface AmqpEventRecord {
  seq: number;
  event_types: string[];
  body: string;
}

export function amqpEventFixtures(): AmqpEventRecord[] {
  return readFileSync(join(WIRE_DIR, 'amqp-events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AmqpEventRecord);
}
