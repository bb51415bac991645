import { hostname } from 'node:os';
import { AppError } from '../shared/errors.js';
import { parseStaleLimits } from '../state/stale.js';
import { OPTIONS, type OptionName, type OptionSpec } from './options.js';

/** The resolved configuration: parsed once at start-up, frozen, passed down explicitly. */
export interface Config {
  broker: string;
  port: number;
  address: string;
  db: string;
  logLevel: string;
  instanceName: string;
  enableEvents: boolean;
  enableEventsInterval: number;
  maxEventBytes: number;
  maxFieldBytes: number;
  flushInterval: number;
  batchSize: number;
  maxPendingEvents: number;
  maxPendingMb: number;
  finishedCacheSize: number;
  inspectTimeout: number;
  inspectInterval: number;
  queueHistoryInterval: number;
  brokerApi: string;
  redisKeyPrefix: string;
  brokerHeartbeat: number;
  eventQueue: string;
  eventQueueExpires: number;
  prefetch: number;
  workerLostAfter: number;
  purgeOfflineWorkers: number;
  offlineOrphanAfter: number;
  staleStartedAfter: number;
  staleReceivedAfter: number;
  staleLimits: string;
  resultBackend: string;
  reconcile: boolean;
  healthInterval: number;
  retentionSuccessDays: number;
  retentionFailureDays: number;
  retentionMaxTasksPerState: number;
  retentionInterval: number;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const norm = (flag: string) => flag.replace(/_/g, '-').toLowerCase();

const byFlag = new Map<string, OptionName>();
for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
  byFlag.set(name, name);
  for (const a of spec.aliases ?? []) byFlag.set(norm(a), name);
}

function coerce(name: string, spec: OptionSpec, raw: string, source: string): string | number | boolean {
  const where = source === 'flag' ? `--${name}` : source;
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'bool': {
      const v = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on', ''].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw new AppError('CONFIG_INVALID', `${where}: expected true or false, got "${raw}"`);
    }
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (spec.kind === 'int' && !Number.isInteger(n))) {
        throw new AppError('CONFIG_INVALID', `${where}: expected ${spec.kind === 'int' ? 'an integer' : 'a number'}, got "${raw}"`);
      }
      if (spec.min !== undefined && n < spec.min) throw new AppError('CONFIG_INVALID', `${where}: must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw new AppError('CONFIG_INVALID', `${where}: must be at most ${spec.max}, got ${n}`);
      return n;
    }
  }
}

export interface ParseResult {
  config?: Config;
  help?: boolean;
  version?: boolean;
}

/**
 * Parses argv (without node and script) and the environment into a frozen Config.
 * Precedence: flag > CELERIAC_* > fallback env (CELERY_BROKER_URL, ...) > default.
 * Throws AppError('CONFIG_INVALID') with a one-line message on anything wrong.
 */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ParseResult {
  const values = new Map<OptionName, string | number | boolean>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--version' || arg === '-V') return { version: true };
    if (!arg.startsWith('--')) throw new AppError('CONFIG_INVALID', `unexpected argument "${arg}" (flags look like --broker URL)`);
    const eq = arg.indexOf('=');
    let flag = norm(eq >= 0 ? arg.slice(2, eq) : arg.slice(2));
    let inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let negated = false;
    if (!byFlag.has(flag) && flag.startsWith('no-') && byFlag.has(flag.slice(3))) {
      flag = flag.slice(3);
      negated = true;
    }
    const name = byFlag.get(flag);
    if (!name) throw new AppError('CONFIG_INVALID', `unknown flag --${flag} (see --help)`);
    const spec: OptionSpec = OPTIONS[name];
    if (spec.kind === 'bool') {
      if (negated) {
        if (inline !== undefined) throw new AppError('CONFIG_INVALID', `--no-${flag} takes no value`);
        values.set(name, false);
      } else values.set(name, coerce(name, spec, inline ?? 'true', 'flag'));
      continue;
    }
    if (negated) throw new AppError('CONFIG_INVALID', `unknown flag --no-${flag}`);
    if (inline === undefined) {
      inline = argv[i + 1];
      if (inline === undefined || inline.startsWith('--')) throw new AppError('CONFIG_INVALID', `--${name} needs a value`);
      i++;
    }
    values.set(name, coerce(name, spec, inline, 'flag'));
  }

  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    let v = values.get(name);
    if (v === undefined) {
      const envNames = [`CELERIAC_${name.toUpperCase().replace(/-/g, '_')}`, ...(spec.env ?? [])];
      for (const e of envNames) {
        const raw = env[e];
        if (raw !== undefined && raw !== '') {
          v = coerce(name, spec, raw, `environment variable ${e}`);
          break;
        }
      }
    }
    out[camel(name)] = v ?? spec.default;
  }

  if (typeof out.broker !== 'string' || out.broker === '') {
    throw new AppError('CONFIG_INVALID', 'no broker given: pass --broker redis://127.0.0.1:6379/0 (or set CELERIAC_BROKER)');
  }
  if (!/^(redis|rediss|redis\+socket|unix|amqp|amqps):\/\//.test(out.broker)) {
    throw new AppError('CONFIG_INVALID', `--broker: unsupported URL scheme in "${maskUrl(out.broker)}" (use redis://, rediss://, redis+socket://, amqp:// or amqps://)`);
  }
  if (!LOG_LEVELS.includes(String(out.logLevel))) {
    throw new AppError('CONFIG_INVALID', `--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${String(out.logLevel)}"`);
  }
  if (!out.instanceName) out.instanceName = hostname();
  parseStaleLimits(String(out.staleLimits));
  if (out.resultBackend && !/^(redis|rediss):\/\//.test(String(out.resultBackend))) {
    throw new AppError('CONFIG_INVALID', `--result-backend: only Celery's Redis result backend (redis:// or rediss://) is supported, got "${maskUrl(String(out.resultBackend))}"`);
  }
  return { config: Object.freeze(out as unknown as Config) };
}

/** Hides the password of a URL (redis://:secret@host → redis://:***@host). */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)([^@/]*)@/i, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon >= 0 ? `${scheme}${userinfo.slice(0, colon)}:***@` : `${scheme}${userinfo}@`;
  });
}

export function helpText(): string {
  const lines = ['Usage: celeriac --broker URL [options]', '', 'Options (each also CELERIAC_<NAME>):'];
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    const def = spec.default === undefined || spec.default === '' ? '' : ` (default ${String(spec.default)})`;
    lines.push(`  --${name.padEnd(24)} ${spec.help}${def}`);
  }
  return lines.join('\n');
}
