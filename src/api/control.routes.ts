import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { SendOptions } from '../control/task-message.js';
import { AppError } from '../shared/errors.js';
import type { ApiContext } from './context.js';
import { acceptForms, boolText, callerOf, controlOf, numText, param } from './control-helpers.js';

type W = { Params: { w: string } };

/** Flower answers a command the worker refused with 403 and a plain-text reason. */
function refused(reply: FastifyReply, text: string) {
  return reply.status(403).type('text/plain').send(text);
}

function replyText(r: unknown): string {
  if (r && typeof r === 'object') {
    const o = r as Record<string, unknown>;
    return String(o.ok ?? o.error ?? JSON.stringify(o));
  }
  return String(r);
}

/** Flower's task-send body: `{args, kwargs, ...apply_async options}`. */
function sendBody(body: unknown): { args: unknown[]; kwargs: Record<string, unknown>; options: SendOptions } {
  const b = body ?? {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new AppError('BAD_REQUEST', 'invalid options');
  const { args = [], kwargs = {}, ...options } = b as Record<string, unknown>;
  if (!Array.isArray(args)) throw new AppError('BAD_REQUEST', 'args must be an array');
  if (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs)) throw new AppError('BAD_REQUEST', 'kwargs must be an object');
  return { args, kwargs: kwargs as Record<string, unknown>, options: options as SendOptions };
}

/** Flower's control and task-sending routes, with Flower's paths, parameters and messages (flower-reference.md §2). */
export function flowerControlRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    acceptForms(app);

    const command = async (req: { params: { w: string } } & Parameters<typeof callerOf>[0], name: string, args: Record<string, unknown>) =>
      controlOf(ctx).control(callerOf(req), req.params.w, name, args);

    app.post<W>('/api/worker/shutdown/:w', async (req) => {
      await command(req, 'shutdown', {});
      return { message: 'Shutting down!' };
    });

    app.post<W>('/api/worker/pool/restart/:w', async (req, reply) => {
      const r = await command(req, 'pool_restart', { reload: false });
      if (!r.ok) return refused(reply, `Failed to restart the '${req.params.w}' pool: ${replyText(r.reply)}`);
      return { message: `Restarting '${req.params.w}' worker's pool` };
    });

    for (const [path, cmd, verb] of [['grow', 'pool_grow', 'Growing'], ['shrink', 'pool_shrink', 'Shrinking']] as const) {
      app.post<W>(`/api/worker/pool/${path}/:w`, async (req, reply) => {
        const n = numText(param(req, 'n'), 'n') ?? 1;
        const r = await command(req, cmd, { n });
        if (!r.ok) return refused(reply, `Failed to ${path} '${req.params.w}' worker's pool: ${replyText(r.reply)}`);
        return { message: `${verb} '${req.params.w}' worker's pool by ${n}` };
      });
    }

    app.post<W>('/api/worker/pool/autoscale/:w', async (req, reply) => {
      const min = numText(param(req, 'min'), 'min');
      const max = numText(param(req, 'max'), 'max');
      if (min === undefined || max === undefined) throw new AppError('INVALID_PARAMETER', 'min and max are required');
      const r = await command(req, 'autoscale', { min, max });
      if (!r.ok) return refused(reply, `Failed to autoscale '${req.params.w}' worker: ${replyText(r.reply)}`);
      return { message: `Autoscaling '${req.params.w}' worker (min=${min}, max=${max})` };
    });

    for (const [path, cmd] of [['add-consumer', 'add_consumer'], ['cancel-consumer', 'cancel_consumer']] as const) {
      app.post<W>(`/api/worker/queue/${path}/:w`, async (req, reply) => {
        const queue = param(req, 'queue');
        if (!queue) throw new AppError('INVALID_PARAMETER', 'queue is required');
        const r = await command(req, cmd, { queue });
        if (!r.ok) return refused(reply, `Failed to ${path.replace('-', ' ')} '${queue}': ${replyText(r.reply)}`);
        return { message: replyText(r.reply) };
      });
    }

    app.post<{ Params: { name: string } }>('/api/task/timeout/:name', async (req, reply) => {
      const workername = param(req, 'workername');
      if (!workername) throw new AppError('INVALID_PARAMETER', 'workername is required');
      const soft = numText(param(req, 'soft'), 'soft');
      const hard = numText(param(req, 'hard'), 'hard');
      const r = await controlOf(ctx).control(callerOf(req), workername, 'time_limit', { task_name: req.params.name, soft, hard });
      if (!r.ok) return refused(reply, replyText(r.reply));
      return { message: 'time limits set successfully' };
    });

    app.post<{ Params: { name: string } }>('/api/task/rate-limit/:name', async (req, reply) => {
      const workername = param(req, 'workername');
      if (!workername) throw new AppError('INVALID_PARAMETER', 'workername is required');
      const ratelimit = param(req, 'ratelimit');
      if (ratelimit === undefined) throw new AppError('INVALID_PARAMETER', 'ratelimit is required');
      const r = await controlOf(ctx).control(callerOf(req), workername, 'rate_limit', { task_name: req.params.name, rate_limit: ratelimit });
      if (!r.ok) return refused(reply, replyText(r.reply));
      return { message: 'new rate limit set successfully' };
    });

    app.post<{ Params: { id: string } }>('/api/task/revoke/:id', async (req) => {
      const terminate = boolText(param(req, 'terminate'), 'terminate') ?? false;
      await controlOf(ctx).revoke(callerOf(req), req.params.id, terminate, param(req, 'signal') ?? 'SIGTERM');
      return { message: `Revoked '${req.params.id}'` };
    });

    for (const path of ['async-apply', 'send-task'] as const) {
      app.post<{ Params: { name: string } }>(`/api/task/${path}/:name`, async (req) => {
        const b = sendBody(req.body);
        const r = await controlOf(ctx).sendTask(callerOf(req), { name: req.params.name, ...b });
        return { 'task-id': r.task_id };
      });
    }

    app.post('/api/task/apply/:name', async () => {
      throw new AppError('NOT_CONFIGURED', 'apply waits for the task result, which needs a result backend; Celeriac has none (use async-apply)');
    });

    app.get('/api/queues/length', async () => {
      const depths = await controlOf(ctx).queues();
      return {
        active_queues: depths.map((d) => d.management ?? { name: d.name, messages: d.messages, ...(d.consumers !== undefined ? { consumers: d.consumers } : {}) }),
      };
    });
  };
}
