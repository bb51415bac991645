import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import { parseSearch } from '../store/query/search.js';
import type { SortField, TaskQuery } from '../store/types.js';
import type { ApiContext } from './context.js';
import { boolParam, intParam, parseQuery, timeParam } from './params.js';
import { flowerTask } from './serialize.js';
import { workerViews } from './workers.js';

/** Flower never capped `/api/tasks` without a limit; a store of millions must. */
export const FLOWER_MAX_TASKS = 10000;

const tasksQuery = z.object({
  limit: intParam(1, FLOWER_MAX_TASKS),
  offset: intParam(0, 10_000_000, 0),
  sort_by: z.enum(['name', 'state', 'received', 'started', '-name', '-state', '-received', '-started']).optional(),
  workername: z.string().optional(),
  taskname: z.string().optional(),
  state: z.string().optional(),
  received_start: timeParam('received_start'),
  received_end: timeParam('received_end'),
  search: z.string().optional(),
});

/** Flower's read routes, with Flower's paths, parameters and response shapes (flower-reference.md §2). */
export function flowerRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/tasks', async (req) => {
      const p = parseQuery(tasksQuery, req.query);
      const q: TaskQuery = { limit: p.limit ?? FLOWER_MAX_TASKS, offset: p.offset || undefined };
      if (p.workername) q.workers = [p.workername];
      if (p.taskname) q.names = [p.taskname];
      if (p.state && p.state !== 'All') q.states = [p.state.toUpperCase()];
      if (p.received_start !== undefined || p.received_end !== undefined) q.received = { from: p.received_start, to: p.received_end };
      if (p.search) q.search = parseSearch(p.search);
      if (p.sort_by) {
        const desc = p.sort_by.startsWith('-');
        q.sort = { field: p.sort_by.replace('-', '') as SortField, desc };
      } else q.sort = { field: 'timestamp', desc: true };
      const page = await ctx.store.queryTasks(q);
      const out: Record<string, unknown> = {};
      for (const t of page.tasks) out[t.uuid] = flowerTask(t);
      return out;
    });

    app.get<{ Params: { id: string } }>('/api/task/info/:id', async (req) => {
      const t = await ctx.store.getTask(req.params.id);
      if (!t) throw new AppError('TASK_NOT_FOUND', `Unknown task '${req.params.id}'`);
      const children = await ctx.store.getChildren(t.uuid, 1000);
      return flowerTask(t, children.map((c) => c.uuid));
    });

    app.get('/api/task/types', async () => ({ 'task-types': await ctx.store.taskNames() }));

    app.get('/api/workers', async (req) => {
      const p = parseQuery(
        z.object({ refresh: boolParam, workername: z.string().optional(), status: boolParam }),
        req.query,
      );
      const workers = await workerViews(ctx);
      const selected = p.workername ? workers.filter((w) => w.hostname === p.workername) : workers;
      if (p.workername && selected.length === 0) throw new AppError('WORKER_NOT_FOUND', `Unknown worker '${p.workername}'`);
      if (p.refresh && ctx.control && !p.status) {
        try {
          await ctx.control.inspector.refresh(p.workername);
        } catch (err) {
          throw new AppError('BROKER_UNAVAILABLE', `inspect failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const w of selected) {
        const inspected = ctx.control?.inspector.get(w.hostname);
        out[w.hostname] = p.status ? w.alive : inspected ?? { stats: { pid: w.pid, clock: String(w.clock) }, timestamp: w.last_event };
      }
      return out;
    });
  };
}
