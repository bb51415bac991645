import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { intParam, parseQuery } from '../params.js';
import { workerViews } from '../workers.js';
import { TaskTimeseries } from './timeseries.js';

const windowQuery = z.object({ window: intParam(60, 86400, 3600) });

/**
 * Aggregates for the dashboard's overview and failures pages:
 *   GET /api/v1/stats/timeseries?window=3600 → {step, points[], totals, runtime, top_failing, workers}
 *   GET /api/v1/stats/failures?window=86400 → {items: [{exception_type, count, last_seen, example_uuid, names}]}
 */
export function statsRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const ts = new TaskTimeseries();
    const off = ctx.state.subscribe({ task: (t, ev) => ts.observe(t, ev) });
    app.addHook('onClose', async () => off());

    app.get('/stats/timeseries', async (req) => {
      const { window } = parseQuery(windowQuery, req.query);
      const byStatus: Record<string, number> = { online: 0, idle: 0, offline: 0, lost: 0 };
      for (const v of await workerViews(ctx)) byStatus[v.status] = (byStatus[v.status] ?? 0) + 1;
      return { ...ts.series(window ?? 3600), inflight: ctx.state.inflight.size, workers: byStatus };
    });

    app.get('/stats/failures', async (req) => {
      const { window } = parseQuery(windowQuery, req.query);
      return ts.failures(window ?? 3600);
    });
  };
}
