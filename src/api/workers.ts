import type { Worker } from '../state/types.js';
import { DEFAULT_HEALTH_POLICY, isPurgeable, type HealthPolicy } from '../state/worker-health.js';
import type { ApiContext } from './context.js';
import { workerView, type WorkerView } from './serialize.js';

/** Workers known to the live model, plus those only in the store's history. */
export async function allWorkers(ctx: ApiContext): Promise<Worker[]> {
  const byName = new Map<string, Worker>();
  for (const w of await ctx.store.listWorkers()) byName.set(w.hostname, w);
  for (const w of ctx.state.workers.values()) byName.set(w.hostname, w);
  return [...byName.values()].sort((a, b) => a.hostname.localeCompare(b.hostname));
}

export function healthPolicy(ctx: Pick<ApiContext, 'config' | 'health'>): HealthPolicy {
  if (ctx.health) return ctx.health.policy;
  const c = ctx.config;
  return {
    lostAfter: c.workerLostAfter ?? DEFAULT_HEALTH_POLICY.lostAfter,
    purgeAfter: c.purgeOfflineWorkers ?? DEFAULT_HEALTH_POLICY.purgeAfter,
  };
}

/**
 * Workers with their health status. Workers gone for longer than --purge-offline-workers are
 * left out (they stay in the store) unless `all` is set.
 */
export async function workerViews(ctx: ApiContext, opts: { all?: boolean } = {}): Promise<WorkerView[]> {
  const now = Date.now() / 1000;
  const policy = healthPolicy(ctx);
  const out: WorkerView[] = [];
  for (const w of await allWorkers(ctx)) {
    const live = ctx.state.workers.get(w.hostname) === w;
    const v = workerView(w, now, {
      policy,
      ...(live && ctx.health ? ctx.health.viewOptions(w.hostname) : {}),
    });
    if (!opts.all && !live && isPurgeable(w, v.status, now, policy)) continue;
    out.push(v);
  }
  return out;
}
