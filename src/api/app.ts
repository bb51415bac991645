import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import type { AppError} from '../shared/errors.js';
import { isAppError } from '../shared/errors.js';
import type { ApiContext } from './context.js';
import { controlV1Routes } from './control-v1.routes.js';
import { flowerControlRoutes } from './control.routes.js';
import { flowerRoutes } from './flower.routes.js';
import { healthRoutes } from './health.routes.js';
import { liveRoutes } from './live/live.routes.js';
import { orphanRoutes } from './orphans.routes.js';
import { statsRoutes } from './stats/stats.routes.js';
import { v1Routes } from './v1.routes.js';
import { webRoutes } from './web.routes.js';

/**
 * Builds the HTTP app (not listening). Load order: error handling, then health and metrics,
 * then the Flower-compatible routes, then /api/v1 (with the live socket), then the dashboard.
 */
export async function buildApp(ctx: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (isAppError(err)) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      ctx.log.error({ err: err.message, stack: err.stack, url: req.url }, 'request failed');
      return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
    }
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
    return reply.status(status).send({ error: { code, message: err.message } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });

  await app.register(healthRoutes(ctx));
  await app.register(flowerRoutes(ctx));
  await app.register(v1Routes(ctx), { prefix: '/api/v1' });
  await app.register(orphanRoutes(ctx), { prefix: '/api/v1' });
  await app.register(flowerControlRoutes(ctx));
  await app.register(controlV1Routes(ctx), { prefix: '/api/v1' });
  await app.register(statsRoutes(ctx), { prefix: '/api/v1' });
  await app.register(liveRoutes(ctx), { prefix: '/api/v1' });
  // Last: the dashboard's catch-all GET serves index.html for client-side routes.
  await app.register(webRoutes());
  return app;
}
