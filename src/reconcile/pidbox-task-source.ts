import type { Logger } from 'pino';
import type { PidboxClient } from '../control/pidbox.js';
import { describeError } from '../shared/errors.js';
import { idsFromReply, type TaskSource, type WorkerHeldTasks } from './task-source.js';

/**
 * The tasks workers hold, asked through the control module's pidbox client (both brokers):
 * `inspect active`, `reserved` and `scheduled` to every worker, at once.
 */
export class PidboxTaskSource implements TaskSource {
  constructor(
    private readonly pidbox: Pick<PidboxClient, 'call'>,
    private readonly log: Logger,
  ) {}

  async inflightOnWorkers(): Promise<WorkerHeldTasks | null> {
    try {
      const [active, reserved, scheduled] = await Promise.all(
        (['active', 'reserved', 'scheduled'] as const).map((m) => this.pidbox.call(m)),
      );
      const out: WorkerHeldTasks = { active: [], reserved: [], scheduled: [] };
      const workers = new Set<string>();
      for (const [key, replies] of [['active', active], ['reserved', reserved], ['scheduled', scheduled]] as const) {
        for (const node of replies.keys()) workers.add(node);
        idsFromReply(Object.fromEntries(replies), out[key]);
      }
      // A worker counts as having answered only if it answered all three questions.
      out.workers = [...workers].filter((w) => active.has(w) && reserved.has(w) && scheduled.has(w));
      return out;
    } catch (err) {
      this.log.warn({ err: describeError(err) }, 'inspect active/reserved/scheduled failed');
      return null;
    }
  }
}
