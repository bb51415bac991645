import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The dashboard's Content-Security-Policy: scripts only from this origin (no inline script,
 * no eval), so even a payload that slipped into the DOM as HTML could not run. Styles allow
 * inline because charts position elements with style attributes.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths that are never dashboard pages: unknown ones keep their JSON 404. */
const NOT_UI = /^\/(api|metrics|healthz|readyz|healthcheck|assets)(\/|$)/;

/** dist/web, where `vite build` puts the dashboard (next to dist/api/). */
export const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));

/**
 * Serves the built dashboard at `/`: hashed assets from dist/web/assets (cached for good) and
 * index.html, with the CSP, for every other GET that is not an API path, so client-side routes
 * like /tasks/<id> survive a reload.
 */
export function webRoutes({ root = WEB_ROOT }: { root?: string } = {}): FastifyPluginAsync {
  return async (app) => {
    const indexPath = join(root, 'index.html');
    if (!existsSync(indexPath)) {
      app.get('/', async (_req, reply) =>
        reply.type('text/plain').send('Celeriac is running, but the dashboard was not built (run `npm run build`). The API is at /api/v1.'),
      );
      return;
    }
    const indexHtml = readFileSync(indexPath);
    const sendIndex = (reply: FastifyReply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', DASHBOARD_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'same-origin')
        .header('cache-control', 'no-cache')
        .send(indexHtml);

    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: false,
      setHeaders(res, path) {
        res.setHeader('x-content-type-options', 'nosniff');
        if (path.endsWith('.html')) res.setHeader('content-security-policy', DASHBOARD_CSP);
        else if (path.includes('/assets/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      },
    });
    app.get('/', async (_req, reply) => sendIndex(reply));
    app.get('/*', async (req, reply) => {
      const path = req.url.split('?')[0]!;
      if (NOT_UI.test(path)) return reply.callNotFound();
      return sendIndex(reply);
    });
  };
}
