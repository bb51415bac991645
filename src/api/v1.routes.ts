import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import { parseSearch } from '../store/query/search.js';
import type { SortField, TaskQuery } from '../store/types.js';
import type { ApiContext } from './context.js';
import { boolParam, intParam, listParam, parseQuery, timeParam } from './params.js';
import { staleTasks } from './orphans.routes.js';
import { taskView } from './serialize.js';
import { workerViews } from './workers.js';

const SORTS = ['seen_at', 'timestamp', 'received', 'started', 'finished', 'name', 'state', 'runtime'] as const;

const listQuery = z.object({
  state: listParam,
  name: listParam,
  worker: listParam,
  queue: listParam,
  exception_type: listParam,
  root_id: z.string().optional(),
  parent_id: z.string().optional(),
  received_from: timeParam('received_from'),
  received_to: timeParam('received_to'),
  started_from: timeParam('started_from'),
  started_to: timeParam('started_to'),
  finished_from: timeParam('finished_from'),
  finished_to: timeParam('finished_to'),
  seen_from: timeParam('seen_from'),
  seen_to: timeParam('seen_to'),
  runtime_min: z.coerce.number().optional(),
  runtime_max: z.coerce.number().optional(),
  retries_min: intParam(0, 1_000_000),
  q: z.string().optional(),
  sort: z.enum([...SORTS, ...SORTS.map((s) => `-${s}` as const)]).optional(),
  limit: intParam(1, 1000, 50),
  cursor: z.string().optional(),
});

/** Turns /api/v1/tasks query parameters into a store query (shared with the live socket). */
export function taskQueryFromParams(input: unknown): TaskQuery {
  const p = parseQuery(listQuery, input);
  const range = (from?: number, to?: number) => (from === undefined && to === undefined ? undefined : { from, to });
  const sort = p.sort ? { field: p.sort.replace('-', '') as SortField, desc: p.sort.startsWith('-') } : { field: 'seen_at' as const, desc: true };
  return {
    states: p.state?.map((s) => s.toUpperCase()),
    names: p.name,
    workers: p.worker,
    queues: p.queue,
    exceptionTypes: p.exception_type,
    rootId: p.root_id,
    parentId: p.parent_id,
    received: range(p.received_from, p.received_to),
    started: range(p.started_from, p.started_to),
    finished: range(p.finished_from, p.finished_to),
    seen: range(p.seen_from, p.seen_to),
    runtime: p.runtime_min !== undefined || p.runtime_max !== undefined ? { min: p.runtime_min, max: p.runtime_max } : undefined,
    retriesMin: p.retries_min,
    search: p.q ? parseSearch(p.q) : undefined,
    sort,
    limit: p.limit ?? 50,
    cursor: p.cursor || undefined,
  };
}

/** The native API. Lists use cursors; errors use the catalogue codes. */
export function v1Routes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/tasks', async (req) => {
      // ?stale=1: the in-flight tasks past their stale limit (from the live model; see /stale).
      if (parseQuery(z.object({ stale: boolParam }), req.query).stale) return staleTasks(ctx, req.query);
      const page = await ctx.store.queryTasks(taskQueryFromParams(req.query));
      return { items: page.tasks.map(taskView), next_cursor: page.nextCursor };
    });

    app.get<{ Params: { id: string } }>('/tasks/:id', async (req) => {
      const t = await ctx.store.getTask(req.params.id);
      if (!t) throw new AppError('TASK_NOT_FOUND', `no task with id "${req.params.id}"`);
      const [events, children, links] = await Promise.all([ctx.store.getTaskEvents(t.uuid), ctx.store.getChildren(t.uuid, 200), ctx.store.taskLinks(t.uuid)]);
      return {
        task: taskView(t),
        links,
        events,
        children: children.map((c) => ({ uuid: c.uuid, name: c.name, state: c.state, seen_at: c.seen_at })),
      };
    });

    app.get('/task-names', async () => ({ items: await ctx.store.taskNames() }));

    app.get('/workers', async (req) => {
      const p = parseQuery(z.object({ all: boolParam }), req.query);
      return { items: await workerViews(ctx, { all: p.all }) };
    });

    app.get<{ Params: { hostname: string } }>('/workers/:hostname', async (req) => {
      const w = (await workerViews(ctx, { all: true })).find((x) => x.hostname === req.params.hostname);
      if (!w) throw new AppError('WORKER_NOT_FOUND', `no worker named "${req.params.hostname}"`);
      return { worker: w };
    });

    app.get('/stats', async () => {
      const counts = await ctx.store.counts();
      return { tasks: counts.tasks, events: counts.events, by_state: counts.byState, inflight: ctx.state.inflight.size };
    });
  };
}
