/**
 * What reconciliation needs from remote control: the ids of the tasks the workers hold right
 * now. `src/control/` (the pidbox client) can implement this for both brokers; until it is wired
 * in, `redis-inspect.ts` is a minimal Redis-only implementation.
 */
export interface WorkerHeldTasks {
  active: string[];
  reserved: string[];
  scheduled: string[];
  /**
   * Nodenames of the workers that answered. A task whose worker answered without listing it is
   * no longer held anywhere; without this list only tasks of unknown/offline workers are judged.
   */
  workers?: string[];
}

export interface TaskSource {
  /** Asks every worker (inspect active/reserved/scheduled); null when it cannot ask at all. */
  inflightOnWorkers(): Promise<WorkerHeldTasks | null>;
}

/** Reads task ids out of inspect replies: `{node: [request, ...]}`, scheduled ones nest `request`. */
export function idsFromReply(reply: unknown, into: string[]): void {
  if (!reply || typeof reply !== 'object') return;
  for (const list of Object.values(reply as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (!item || typeof item !== 'object') continue;
      const o = item as { id?: unknown; request?: { id?: unknown } };
      const id = typeof o.id === 'string' ? o.id : typeof o.request?.id === 'string' ? o.request.id : null;
      if (id) into.push(id);
    }
  }
}
