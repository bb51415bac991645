import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.js';

/** Liveness, readiness and Prometheus metrics. None of these need authentication. */
export function healthRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/healthcheck', async (_req, reply) => reply.type('text/plain').send('OK'));
    app.get('/readyz', async (_req, reply) => {
      const broker = ctx.broker.isConnected();
      const store = await ctx.store.ping();
      const body = {
        status: broker && store ? 'ready' : 'not_ready',
        broker: { connected: broker, url: ctx.broker.displayUrl, kind: ctx.broker.kind },
        store: { connected: store, kind: ctx.store.kind },
        ingest: { pending_messages: ctx.ingestor.pending, last_event_at: ctx.ingestor.lastEventAt ? ctx.ingestor.lastEventAt / 1000 : null },
      };
      return reply.status(broker && store ? 200 : 503).send(body);
    });
    app.get('/metrics', async (_req, reply) => {
      ctx.metrics.brokerConnected.set(ctx.broker.isConnected() ? 1 : 0);
      return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
    });
  };
}
