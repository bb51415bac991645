import { randomUUID } from 'node:crypto';

/** kombu's separator between a queue name and its priority step, and inside binding entries. */
export const SEP = '\x06\x16';

export interface KombuEnvelope {
  body: string;
  'content-encoding': string;
  'content-type': string;
  headers: Record<string, unknown>;
  properties: {
    delivery_mode: number;
    delivery_info: { exchange: string; routing_key: string };
    priority: number;
    body_encoding: 'base64';
    delivery_tag: string;
    correlation_id?: string;
    reply_to?: string;
    expiration?: string;
  };
}

export type UnwrapResult =
  | { ok: true; text: string; headers: Record<string, unknown> | null }
  | { ok: false; kind: 'bad_envelope' | 'bad_base64'; detail: string };

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

const BODY_PREFIX = '{"body": "';

/** A JSON string without escapes or control characters; a JSON number as kombu writes them. */
const STR = '"([^"\\\\\\x00-\\x1f]*)"';
const INT = '(?:0|[1-9][0-9]*)';
/**
 * The rest of kombu's event envelope after the body, as Celery writes it on Redis (every
 * captured message in shared/fixtures/wire has exactly this shape). A match is valid JSON
 * whose meaning is known: base64 body, headers {hostname}. Anything else is parsed.
 */
const EVENT_TAIL = new RegExp(
  `^, "content-encoding": "utf-8", "content-type": "application/json", "headers": \\{"hostname": ${STR}\\}, ` +
    `"properties": \\{"delivery_mode": ${INT}, "delivery_info": \\{"exchange": ${STR}, "routing_key": ${STR}\\}, ` +
    `"priority": ${INT}, "body_encoding": "base64", "delivery_tag": ${STR}\\}\\}$`,
);

/**
 * Reads the JSON envelope kombu's Redis transport wraps every message in and returns the
 * payload text (base64-decoded when `body_encoding` says so).
 *
 * kombu writes `body` first. When its value is plain base64 (no escapes), only the rest of the
 * envelope is JSON-parsed, with the body cut out: the same checks, without scanning and copying
 * the long body string a second time.
 */
export function unwrapEnvelope(raw: string): UnwrapResult {
  if (raw.startsWith(BODY_PREFIX)) {
    const end = raw.indexOf('"', BODY_PREFIX.length);
    if (end > 0) {
      const body = raw.slice(BODY_PREFIX.length, end);
      // (A second "body" key would win in JSON.parse: such an envelope gets the full parse.)
      const rest = raw.slice(end + 1);
      if (body.indexOf('\\') === -1) {
        // Celery's event envelopes all look exactly like this: read them without parsing.
        const m = EVENT_TAIL.exec(rest);
        if (m) return unwrapBody(body, true, { hostname: m[1] });
        if (rest.indexOf('"body"') === -1) return unwrapParsed(body, `{"body": ""${rest}`);
      }
    }
  }
  return unwrapParsed(null, raw);
}

function unwrapParsed(cutBody: string | null, json: string): UnwrapResult {
  let env: unknown;
  try {
    env = JSON.parse(json);
  } catch {
    return { ok: false, kind: 'bad_envelope', detail: 'not JSON' };
  }
  if (env === null || typeof env !== 'object') return { ok: false, kind: 'bad_envelope', detail: 'not an object' };
  const e = env as Partial<KombuEnvelope>;
  if (typeof e.body !== 'string') return { ok: false, kind: 'bad_envelope', detail: 'no body' };
  if (cutBody !== null) e.body = cutBody;
  const headers = e.headers && typeof e.headers === 'object' ? e.headers : null;
  const encoding = e.properties && typeof e.properties === 'object' ? e.properties.body_encoding : undefined;
  return unwrapBody(e.body, encoding === 'base64', headers);
}

function unwrapBody(body: string, base64: boolean, headers: Record<string, unknown> | null): UnwrapResult {
  if (!base64) return { ok: true, text: body, headers };
  // Buffer.from(base64) silently skips characters outside the alphabet (and stops at a '='
  // inside), so a short result gives them away; it also takes the URL-safe '-' and '_', which
  // kombu never writes and the B64 pattern rejects.
  const bad = { ok: false as const, kind: 'bad_base64' as const, detail: `${body.length} characters` };
  if (body.length % 4 !== 0) return bad;
  const pad = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  const buf = Buffer.from(body, 'base64');
  if (buf.length !== (body.length / 4) * 3 - pad || body.indexOf('-') !== -1 || body.indexOf('_') !== -1) {
    return B64.test(body) ? { ok: true, text: buf.toString('utf8'), headers } : bad;
  }
  return { ok: true, text: buf.toString('utf8'), headers };
}

/** Builds the envelope kombu would put on Redis for a payload (events, broadcasts, tasks). */
export function wrapEnvelope(
  payload: string,
  opts: {
    exchange: string;
    routingKey: string;
    headers: Record<string, unknown>;
    deliveryMode?: number;
    priority?: number;
    correlationId?: string;
    replyTo?: string;
    expiration?: string;
  },
): string {
  const properties: KombuEnvelope['properties'] = {
    delivery_mode: opts.deliveryMode ?? 2,
    delivery_info: { exchange: opts.exchange, routing_key: opts.routingKey },
    priority: opts.priority ?? 0,
    body_encoding: 'base64',
    delivery_tag: randomUUID(),
  };
  if (opts.correlationId !== undefined) properties.correlation_id = opts.correlationId;
  if (opts.replyTo !== undefined) properties.reply_to = opts.replyTo;
  if (opts.expiration !== undefined) properties.expiration = opts.expiration;
  const env: KombuEnvelope = {
    body: Buffer.from(payload, 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: opts.headers,
    properties,
  };
  return JSON.stringify(env);
}
