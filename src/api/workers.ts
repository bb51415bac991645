import type { Worker } from '../state/types.js';
import type { ApiContext } from './context.js';

/** Workers known to the live model, plus those only in the store's history. */
export async function allWorkers(ctx: ApiContext): Promise<Worker[]> {
  const byName = new Map<string, Worker>();
  for (const w of await ctx.store.listWorkers()) byName.set(w.hostname, w);
  for (const w of ctx.state.workers.values()) byName.set(w.hostname, w);
  return [...byName.values()].sort((a, b) => a.hostname.localeCompare(b.hostname));
}
