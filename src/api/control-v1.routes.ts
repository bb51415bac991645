import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import type { ApiContext } from './context.js';
import { acceptForms, callerOf, controlOf } from './control-helpers.js';
import { boolParam, intParam, listParam, parseQuery, timeParam } from './params.js';

const sendBody = z.object({
  name: z.string().min(1),
  args: z.array(z.unknown()).optional(),
  kwargs: z.record(z.string(), z.unknown()).optional(),
  options: z
    .object({
      queue: z.string().min(1).optional(),
      routing_key: z.string().min(1).optional(),
      exchange: z.string().optional(),
      countdown: z.number().optional(),
      eta: z.union([z.string(), z.number()]).optional(),
      expires: z.union([z.string(), z.number()]).optional(),
      priority: z.number().int().min(0).max(255).optional(),
      task_id: z.string().min(1).optional(),
      time_limit: z.number().positive().optional(),
      soft_time_limit: z.number().positive().optional(),
      shadow: z.string().optional(),
      ignore_result: z.boolean().optional(),
    })
    .strict()
    .optional(),
});

const revokeBody = z.object({ terminate: z.boolean().optional(), signal: z.string().min(1).optional() }).strict();

function parseBody<T extends z.ZodTypeAny>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new AppError('INVALID_PARAMETER', `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`);
}

/** Native remote-control routes under /api/v1 (the dashboard's buttons use these paths). */
export function controlV1Routes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    acceptForms(app);

    app.get<{ Params: { hostname: string } }>('/workers/:hostname/inspect', async (req) => {
      const p = parseQuery(z.object({ refresh: boolParam }), req.query);
      const e = await controlOf(ctx).inspect(req.params.hostname, p.refresh ?? false);
      return {
        stats: e.stats ?? null, active_queues: e.active_queues ?? null, registered: e.registered ?? null,
        scheduled: e.scheduled ?? null, active: e.active ?? null, reserved: e.reserved ?? null,
        revoked: e.revoked ?? null, conf: e.conf ?? null, timestamp: e.timestamp,
      };
    });

    app.post<{ Params: { hostname: string; command: string } }>('/workers/:hostname/control/:command', async (req) =>
      controlOf(ctx).control(callerOf(req), req.params.hostname, req.params.command, req.body ?? {}),
    );

    app.post<{ Params: { id: string } }>('/tasks/:id/revoke', async (req) => {
      const b = parseBody(revokeBody, req.body);
      await controlOf(ctx).revoke(callerOf(req), req.params.id, b.terminate ?? false, b.signal ?? 'SIGTERM');
      return { ok: true, task_id: req.params.id };
    });

    app.post<{ Params: { id: string } }>('/tasks/:id/retry', async (req) => controlOf(ctx).retry(callerOf(req), req.params.id));

    app.post('/tasks/send', async (req) => {
      const b = parseBody(sendBody, req.body);
      return controlOf(ctx).sendTask(callerOf(req), b);
    });

    app.get<{ Params: { id: string } }>('/tasks/:id/links', async (req) => ctx.store.taskLinks(req.params.id));

    app.get('/queues', async (req) => {
      const p = parseQuery(z.object({ queue: listParam }), req.query);
      return { items: await controlOf(ctx).queues(p.queue ?? []) };
    });

    app.get('/queues/history', async (req) => {
      const p = parseQuery(z.object({ queue: listParam, since: timeParam('since') }), req.query);
      const sampler = controlOf(ctx).queueSampler;
      const missing = (p.queue ?? []).filter((q) => !sampler.history.has(q));
      if (missing.length) {
        throw new AppError('QUEUE_NOT_FOUND', `no depth history for ${missing.map((q) => `"${q}"`).join(', ')} (measured: ${sampler.history.names().join(', ') || 'none yet'})`);
      }
      const slice = sampler.history.slice(p.queue, p.since);
      return { interval_s: sampler.intervalS, capacity: sampler.history.opts.capacity, t: slice.t, items: slice.items };
    });

    app.get('/audit', async (req) => {
      const p = parseQuery(
        z.object({ limit: intParam(1, 1000, 100), cursor: z.string().regex(/^\d+$/).optional(), action: z.string().optional(), target: z.string().optional() }),
        req.query,
      );
      const page = await ctx.store.listAudit({ limit: p.limit ?? 100, cursor: p.cursor, action: p.action, target: p.target });
      return { items: page.items, next_cursor: page.nextCursor };
    });
  };
}
