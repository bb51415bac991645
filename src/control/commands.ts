import { z } from 'zod';
import { AppError } from '../shared/errors.js';

const num = z.coerce.number();
const int = z.coerce.number().int();
const str = z.string().min(1);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

/**
 * The remote-control commands Celeriac sends, with their arguments as the worker expects them
 * (celery-wire.md §5.1). `cast` ones get no reply (shutdown raises inside the worker).
 */
export const COMMANDS = {
  shutdown: { cast: true, args: z.object({}).strict() },
  pool_restart: {
    cast: false,
    args: z.object({ reload: bool.optional().default(false), modules: z.array(str).optional() }).strict(),
  },
  pool_grow: { cast: false, args: z.object({ n: int.min(1).default(1) }).strict() },
  pool_shrink: { cast: false, args: z.object({ n: int.min(1).default(1) }).strict() },
  autoscale: { cast: false, args: z.object({ max: int.min(0), min: int.min(0) }).strict() },
  add_consumer: {
    cast: false,
    args: z
      .object({ queue: str, exchange: str.optional(), exchange_type: str.optional(), routing_key: str.optional(), options: z.record(z.string(), z.unknown()).optional() })
      .strict(),
  },
  cancel_consumer: { cast: false, args: z.object({ queue: str }).strict() },
  rate_limit: { cast: false, args: z.object({ task_name: str, rate_limit: z.union([str, num]).transform(String) }).strict() },
  time_limit: {
    cast: false,
    args: z.object({ task_name: str, soft: num.nullable().optional(), hard: num.nullable().optional() }).strict(),
  },
  revoke: {
    cast: false,
    args: z.object({ task_id: z.union([str, z.array(str)]), terminate: bool.optional().default(false), signal: str.optional().default('SIGTERM') }).strict(),
  },
  enable_events: { cast: false, args: z.object({}).strict() },
  disable_events: { cast: false, args: z.object({}).strict() },
  ping: { cast: false, args: z.object({}).strict() },
  heartbeat: { cast: true, args: z.object({}).strict() },
} as const;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** Checks a command's arguments; a problem is a 400 naming the argument. */
export function commandArgs(name: CommandName, input: unknown): Record<string, unknown> {
  const r = COMMANDS[name].args.safeParse(input ?? {});
  if (r.success) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.data as Record<string, unknown>)) if (v !== undefined) out[k] = v;
    return out;
  }
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : 'body';
  throw new AppError('INVALID_PARAMETER', `${name}: ${where}: ${issue.message}`);
}
