import websocket from '@fastify/websocket';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../shared/errors.js';
import type { ApiContext } from '../context.js';
import { workerView } from '../serialize.js';
import { taskQueryFromParams } from '../v1.routes.js';
import { healthPolicy } from '../workers.js';
import { LiveHub, type LiveClient } from './hub.js';
import { compileTaskFilter } from './matcher.js';

/** Subscriptions one socket may hold (the tasks table, a detail page, a few panels). */
const MAX_SUBSCRIPTIONS = 16;

/** What a dashboard sends over /api/v1/live. */
type ClientMessage =
  | { type: 'subscribe'; id: string; params?: Record<string, unknown>; full?: boolean; since?: number | null }
  | { type: 'unsubscribe'; id: string }
  | { type: 'workers'; on: boolean };

/**
 * GET /api/v1/live (WebSocket). The client subscribes with the same parameters as
 * GET /api/v1/tasks (filters and `q` search; sort/limit/cursor are ignored) and receives, every
 * 200 ms, the changed tasks its filters match plus changed workers:
 *
 *   → {"type":"subscribe","id":"tasks","params":{"state":"FAILURE","q":"args:acme"},"since":41}
 *   ← {"type":"subscribed","id":"tasks","seq":42,"resync":true}
 *   ← {"type":"update","seq":42,"subs":{"tasks":[...]}}   (catch-up: matching tasks of the last 10 s)
 *   ← {"type":"update","seq":43,"subs":{"tasks":[...]},"workers":[...],"truncated":{"tasks":12}}
 *
 * Right after `subscribed` come the live model's matching tasks that changed in the last
 * 10 s (hub.ts catchUp), which the store may not hold yet when the page reads its first rows.
 * `resync: true` means updates were missed (reconnect, slow socket, overload): refetch the
 * first page from the REST API.
 */
export function liveRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const policy = healthPolicy(ctx);
    const hub = new LiveHub(ctx.state, {
      viewWorker: (w, now) => workerView(w, now, { policy, ...(ctx.health ? ctx.health.viewOptions(w.hostname) : {}) }),
    });
    hub.start();
    app.addHook('onClose', async () => hub.stop());
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

    // WebSockets are not covered by CORS: without this check any web page the user visits could
    // open the feed on 127.0.0.1 and read task payloads. Browsers always send Origin.
    const preValidation = async (req: FastifyRequest) => {
      if (!sameOrigin(req)) throw new AppError('FORBIDDEN', 'the live feed only accepts connections from pages served by this Celeriac');
    };

    app.get('/live', { websocket: true, preValidation }, (socket) => {
      const client = hub.addClient(socket);
      const reply = (m: unknown) => socket.send(JSON.stringify(m));
      reply({ type: 'hello', seq: hub.seq });
      socket.on('message', (raw: Buffer) => {
        let m: ClientMessage;
        try {
          m = JSON.parse(raw.toString('utf8')) as ClientMessage;
        } catch {
          reply({ type: 'error', error: { code: 'BAD_REQUEST', message: 'messages must be JSON' } });
          return;
        }
        handle(client, m, hub, reply);
      });
      socket.on('close', () => hub.removeClient(client));
      socket.on('error', () => hub.removeClient(client));
    });
  };
}

/** True for non-browser clients (no Origin) and for pages from this very host. */
export function sameOrigin(req: Pick<FastifyRequest, 'headers'>): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function handle(client: LiveClient, m: ClientMessage, hub: LiveHub, reply: (m: unknown) => void): void {
  if (m?.type === 'subscribe' && typeof m.id === 'string' && m.id.length <= 100) {
    if (!client.subs.has(m.id) && client.subs.size >= MAX_SUBSCRIPTIONS) {
      reply({ type: 'error', id: m.id, error: { code: 'BAD_REQUEST', message: `at most ${MAX_SUBSCRIPTIONS} subscriptions per socket` } });
      return;
    }
    try {
      const params = Object.fromEntries(
        Object.entries(m.params ?? {}).filter(([k, v]) => v !== undefined && v !== null && !['sort', 'limit', 'cursor'].includes(k)).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]),
      );
      // the filter as text, keys in order: sockets with the same view share each update (hub.ts)
      const key = JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      client.subscribe(m.id, compileTaskFilter(taskQueryFromParams(params)), m.full === true, key);
    } catch (err) {
      const e = isAppError(err) ? { code: err.code, message: err.message } : { code: 'BAD_REQUEST', message: String(err) };
      reply({ type: 'error', id: m.id, error: e });
      return;
    }
    const resync = typeof m.since === 'number' ? m.since !== hub.seq : false;
    reply({ type: 'subscribed', id: m.id, seq: hub.seq, resync });
    hub.catchUp(client, m.id);
  } else if (m?.type === 'unsubscribe' && typeof m.id === 'string') {
    client.unsubscribe(m.id);
  } else if (m?.type === 'workers') {
    client.workers = m.on === true;
  } else {
    reply({ type: 'error', error: { code: 'BAD_REQUEST', message: 'unknown message; expected subscribe, unsubscribe or workers' } });
  }
}
