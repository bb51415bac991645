import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { parseStaleLimits, StaleRules } from '../state/stale.js';
import type { ApiContext } from './context.js';
import { intParam, parseQuery } from './params.js';
import { taskView } from './serialize.js';
import { taskQueryFromParams } from './v1.routes.js';

const staleQuery = z.object({
  kind: z.enum(['received', 'started']).optional(),
  name: z.string().optional(),
  worker: z.string().optional(),
  limit: intParam(1, 10000, 100),
});

function rulesOf(ctx: ApiContext): StaleRules {
  if (ctx.health) return ctx.health.staleRules;
  const c = ctx.config;
  return new StaleRules({ startedAfter: c.staleStartedAfter, receivedAfter: c.staleReceivedAfter, overrides: parseStaleLimits(c.staleLimits ?? '') });
}

/**
 * In-flight tasks past their stale limit, longest first. Stale tasks are unfinished, so the live
 * model holds them all; no store query is needed.
 */
export function staleTasks(ctx: ApiContext, query: unknown) {
  const p = parseQuery(staleQuery, query);
  const rules = rulesOf(ctx);
  const now = Date.now() / 1000;
  const hits = [];
  for (const t of ctx.state.inflight.values()) {
    if (p.name && t.name !== p.name) continue;
    if (p.worker && t.worker !== p.worker) continue;
    const s = rules.check(t, now);
    if (s && (!p.kind || s.kind === p.kind)) hits.push({ t, s });
  }
  hits.sort((a, b) => b.s.age - a.s.age);
  return {
    // added to the view, not a spread copy of it (see taskView)
    items: hits.slice(0, p.limit ?? 100).map(({ t, s }) => Object.assign(taskView(t), { stale: s })),
    total: hits.length,
    next_cursor: null,
  };
}

/** Orphaned and stale tasks (native API, mounted under /api/v1). */
export function orphanRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    // The same filters and cursor as /tasks, restricted to ORPHANED.
    app.get('/orphans', async (req) => {
      const q = taskQueryFromParams(req.query);
      const page = await ctx.store.queryTasks({ ...q, states: ['ORPHANED'] });
      return { items: page.tasks.map(taskView), next_cursor: page.nextCursor };
    });

    app.get('/stale', async (req) => staleTasks(ctx, req.query));
  };
}
