import { readFileSync } from 'node:fs';
import { AppError } from '../shared/errors.js';

/** What amqplib.connect needs: the connection fields and the socket (TLS) options. */
export interface AmqpTarget {
  connect: {
    protocol: 'amqp' | 'amqps';
    hostname: string;
    port: number;
    username: string;
    password: string;
    /** Still percent-encoded: amqplib unescapes it once. */
    vhost: string;
    heartbeat: number;
    frameMax?: number;
  };
  socket: {
    timeout: number;
    noDelay: boolean;
    ca?: Buffer[];
    cert?: Buffer;
    key?: Buffer;
    passphrase?: string;
    rejectUnauthorized?: boolean;
    servername?: string;
    checkServerIdentity?: () => undefined;
  };
  /** The virtual host, decoded ("/" when the URL has none). */
  vhostName: string;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function readPem(flag: string, path: string, read: (p: string) => Buffer): Buffer {
  try {
    return read(path);
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `--broker: cannot read ${flag} file "${path}": ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Parses an amqp:// or amqps:// broker URL the way Celery (kombu) reads it:
 * `amqp://user:pass@host:5672/vhost`, where the path after the first "/" is the virtual host
 * (`//` and `/%2F` are vhost "/", no path is "/" too). TLS settings come from the query,
 * in kombu's spelling (`ssl_cert_reqs=CERT_NONE|CERT_OPTIONAL|CERT_REQUIRED`, `ssl_ca_certs`,
 * `ssl_certfile`, `ssl_keyfile`, `ssl_check_hostname`) or RabbitMQ's (`cacertfile`, `certfile`,
 * `keyfile`, `verify=verify_none|verify_peer`, `server_name_indication`). `heartbeat` and
 * `frame_max` in the query override the options.
 */
export function parseAmqpUrl(
  url: string,
  opts: { heartbeat: number; connectTimeoutMs?: number; readFile?: (p: string) => Buffer },
): AmqpTarget {
  const m = /^(amqps?):\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?/i.exec(url);
  if (!m) throw new AppError('CONFIG_INVALID', '--broker: expected amqp://user:password@host:port/vhost');
  const protocol = m[1]!.toLowerCase() as 'amqp' | 'amqps';
  const authority = m[2]!;
  const path = m[3] ?? '';
  const query = new URLSearchParams(m[4] ?? '');
  const read = opts.readFile ?? ((p: string) => readFileSync(p));

  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : '';
  const hostport = at >= 0 ? authority.slice(at + 1) : authority;
  let username = 'guest';
  let password = 'guest';
  if (at >= 0) {
    const colon = userinfo.indexOf(':');
    username = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    password = colon >= 0 ? decodeURIComponent(userinfo.slice(colon + 1)) : '';
  }
  let hostname = hostport;
  let portText = '';
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostport);
  if (v6) {
    hostname = v6[1]!;
    portText = v6[2] ?? '';
  } else {
    const colon = hostport.lastIndexOf(':');
    if (colon >= 0) {
      hostname = hostport.slice(0, colon);
      portText = hostport.slice(colon + 1);
    }
  }
  if (!hostname) hostname = 'localhost';
  const port = portText ? Number(portText) : protocol === 'amqps' ? 5671 : 5672;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AppError('CONFIG_INVALID', `--broker: bad port "${portText}"`);

  const rawVhost = path.length > 1 ? path.slice(1) : '';
  let vhostName: string;
  try {
    vhostName = rawVhost === '' ? '/' : decodeURIComponent(rawVhost);
  } catch {
    throw new AppError('CONFIG_INVALID', `--broker: bad virtual host "${rawVhost}"`);
  }

  const num = (name: string, fallback: number): number => {
    const v = query.get(name);
    if (v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new AppError('CONFIG_INVALID', `--broker: ${name} must be a whole number, got "${v}"`);
    return n;
  };

  const target: AmqpTarget = {
    connect: {
      protocol,
      hostname,
      port,
      username,
      password,
      vhost: rawVhost === '' ? '/' : rawVhost,
      heartbeat: num('heartbeat', opts.heartbeat),
    },
    socket: { timeout: opts.connectTimeoutMs ?? 5000, noDelay: true },
    vhostName,
  };
  const frameMax = num('frame_max', 0);
  if (frameMax) target.connect.frameMax = frameMax;

  if (protocol === 'amqps') {
    const s = target.socket;
    const ca = query.get('ssl_ca_certs') ?? query.get('cacertfile') ?? query.get('ca');
    if (ca) s.ca = [readPem('CA', ca, read)];
    const cert = query.get('ssl_certfile') ?? query.get('certfile') ?? query.get('cert');
    if (cert) s.cert = readPem('certificate', cert, read);
    const key = query.get('ssl_keyfile') ?? query.get('keyfile') ?? query.get('key');
    if (key) s.key = readPem('key', key, read);
    const pass = query.get('ssl_password') ?? query.get('password');
    if (pass) s.passphrase = pass;
    const reqs = (query.get('ssl_cert_reqs') ?? '').toUpperCase();
    const verify = (query.get('verify') ?? '').toLowerCase();
    if (reqs === 'CERT_NONE' || reqs === 'NONE' || verify === 'verify_none') s.rejectUnauthorized = false;
    else if (reqs && !['CERT_REQUIRED', 'REQUIRED', 'CERT_OPTIONAL', 'OPTIONAL'].includes(reqs)) {
      throw new AppError('CONFIG_INVALID', `--broker: ssl_cert_reqs must be CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED, got "${reqs}"`);
    }
    const check = (query.get('ssl_check_hostname') ?? '').toLowerCase();
    if (FALSE.includes(check)) s.checkServerIdentity = () => undefined;
    else if (check && !TRUE.includes(check)) throw new AppError('CONFIG_INVALID', `--broker: ssl_check_hostname must be true or false, got "${check}"`);
    const sni = query.get('server_name_indication') ?? query.get('ssl_server_hostname');
    if (sni) s.servername = sni;
  }
  return target;
}
