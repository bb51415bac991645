import { hostname as osHostname } from 'node:os';
import type { Logger } from 'pino';
import { AppError, describeError, isAppError } from '../shared/errors.js';
import type { LiveState } from '../state/live.js';
import { TERMINAL_STATES } from '../state/merge.js';
import type { Store } from '../store/types.js';
import { COMMANDS, commandArgs, isCommand, type CommandName } from './commands.js';
import { Inspector, INSPECT_METHODS, type InspectEntry } from './inspector.js';
import { PidboxClient } from './pidbox.js';
import { parseArgsRepr, parseKwargsRepr, ReprError } from './py-repr.js';
import { MAX_QUEUES, QueueSampler } from './queue-sampler.js';
import { buildTaskMessage, type SendOptions } from './task-message.js';
import type { ControlTransport, QueueDepth } from './transport.js';

/** Who asked (for the audit log). `actor` stays null until there is authentication. */
export interface Caller {
  actor: string | null;
  ip: string | null;
}

export interface ControlPlaneOptions {
  transport: ControlTransport;
  store: Store;
  state: LiveState;
  log: Logger;
  inspectTimeoutMs: number;
  instanceName: string;
  defaultQueue?: string;
  /** Seconds between queue depth samples for the history (default 10). */
  queueHistoryIntervalS?: number;
}

export interface SendInput {
  name: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: SendOptions;
}

/**
 * Remote control, inspect, task sending and queue depth. Every mutating action goes through
 * `audited`, which records who did what to which target and how it ended.
 */
export class ControlPlane {
  readonly pidbox: PidboxClient;
  readonly inspector: Inspector;
  readonly origin: string;
  /** Queue depth over time (the last 24 h), sampled from `queues()`. */
  readonly queueSampler: QueueSampler;
  /** Queues tasks were sent to from here (queried for depth besides the workers' queues). */
  private readonly sentQueues = new Set<string>();
  /** Queues a client asked about by name (`GET /api/v1/queues?queue=`), sampled from then on. */
  private readonly watchedQueues = new Set<string>();
  /** Queues named by task events (task-sent carries `queue`), so backlogs without workers show. */
  private readonly seenQueues = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(private readonly o: ControlPlaneOptions) {
    this.pidbox = new PidboxClient(o.transport, () => ++o.state.clock, o.inspectTimeoutMs);
    this.inspector = new Inspector(this.pidbox, o.log);
    this.origin = `celeriac@${o.instanceName || osHostname()}`;
    this.unsubscribe = o.state.subscribe({
      task: (t) => {
        if (t.queue && this.seenQueues.size < MAX_QUEUES && !this.seenQueues.has(t.queue)) this.seenQueues.add(t.queue);
      },
    });
    this.queueSampler = new QueueSampler({ measure: () => this.queues(), intervalS: o.queueHistoryIntervalS ?? 10, log: o.log });
  }

  get transport(): ControlTransport {
    return this.o.transport;
  }

  /** True when the live model or the store has heard of this worker. */
  async knownWorker(hostname: string): Promise<boolean> {
    if (this.o.state.workers.has(hostname)) return true;
    return (await this.o.store.listWorkers()).some((w) => w.hostname === hostname);
  }

  private async requireWorker(hostname: string): Promise<void> {
    if (!(await this.knownWorker(hostname))) throw new AppError('WORKER_NOT_FOUND', `Unknown worker '${hostname}'`);
  }

  /** The eight inspect answers of one worker, refreshed first when asked or not cached yet. */
  async inspect(hostname: string, refresh: boolean): Promise<InspectEntry> {
    await this.requireWorker(hostname);
    const cached = this.inspector.get(hostname);
    if (!refresh && cached) return cached;
    const r = await this.inspector.refresh(hostname);
    const got = r.replied.get(hostname) ?? [];
    const entry = this.inspector.get(hostname);
    if (got.length < INSPECT_METHODS.length) {
      const missing = INSPECT_METHODS.filter((m) => !got.includes(m));
      throw new AppError(
        'TIMEOUT',
        `worker '${hostname}' did not answer ${missing.join(', ')} within ${this.pidbox.defaultTimeoutMs} ms`,
        { details: { replied: got, partial: got.length ? entry : null } },
      );
    }
    return entry!;
  }

  /** Sends one remote-control command to one worker and returns its answer. */
  async control(caller: Caller, hostname: string, command: string, input: unknown): Promise<{ ok: boolean; reply: unknown }> {
    let result: { ok: boolean; reply: unknown } | null = null;
    try {
      // Refusals (unknown command or worker, bad arguments) are audited too.
      await this.audited(caller, command.slice(0, 64), hostname, input ?? {}, async () => {
        if (!isCommand(command)) throw new AppError('INVALID_PARAMETER', `unknown command "${command}" (one of ${Object.keys(COMMANDS).join(', ')})`);
        const args = commandArgs(command, input);
        await this.requireWorker(hostname);
        result = await this.command(hostname, command, args);
        if (!result.ok) throw new AppError('WORKER_ERROR', errorText(result.reply));
      });
    } catch (err) {
      // The worker answered with an error: that is still an answer, returned as {ok: false}.
      const r = result as { ok: boolean; reply: unknown } | null;
      if (r && !r.ok) return r;
      throw err;
    }
    const changes = ['pool_grow', 'pool_shrink', 'autoscale', 'add_consumer', 'cancel_consumer', 'pool_restart'];
    if (changes.includes(command)) void this.inspector.refresh(hostname).catch(() => undefined);
    return result!;
  }

  private async command(hostname: string, command: CommandName, args: Record<string, unknown>): Promise<{ ok: boolean; reply: unknown }> {
    if (COMMANDS[command].cast) {
      await this.pidbox.cast(command, args, { destination: [hostname] });
      return { ok: true, reply: null };
    }
    const replies = await this.pidbox.call(command, args, { destination: [hostname] });
    if (!replies.has(hostname)) {
      throw new AppError('TIMEOUT', `worker '${hostname}' did not answer ${command} within ${this.pidbox.defaultTimeoutMs} ms`);
    }
    const reply = replies.get(hostname);
    const ok = !(reply && typeof reply === 'object' && 'error' in reply);
    return { ok, reply };
  }

  /** Revokes a task on every worker (a cast, as Flower does); terminate kills it if running. */
  async revoke(caller: Caller, taskId: string, terminate = false, signal = 'SIGTERM'): Promise<void> {
    if (!/^[A-Z0-9]+$/i.test(signal.replace(/^SIG/i, ''))) throw new AppError('INVALID_PARAMETER', `signal: not a signal name: "${signal}"`);
    const sig = signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
    await this.audited(caller, 'revoke', taskId, { terminate, signal: sig }, () =>
      this.pidbox.cast('revoke', { task_id: taskId, terminate, signal: sig }),
    );
  }

  /** Sends a task by name: the message, then a task-sent event so it shows at once. */
  async sendTask(caller: Caller, input: SendInput, action = 'send_task'): Promise<{ task_id: string }> {
    return this.audited(caller, action, input.name, { args: input.args, kwargs: input.kwargs, options: input.options }, async () => {
      const msg = buildTaskMessage({ ...input, origin: this.origin, clock: ++this.o.state.clock, defaultQueue: this.o.defaultQueue });
      await this.o.transport.publishTask(msg);
      this.sentQueues.add(msg.queue);
      try {
        await this.o.transport.publishEvent(msg.sentEvent);
      } catch (err) {
        this.o.log.warn({ err: describeError(err), task: msg.id }, 'task sent but its task-sent event was not');
      }
      return { task_id: msg.id };
    });
  }

  /** Sends a finished task again (same name, args, kwargs and queue) and links the two. */
  async retry(caller: Caller, taskId: string): Promise<{ task_id: string; retry_of: string }> {
    return this.audited(caller, 'retry', taskId, null, async () => {
      const t = await this.o.store.getTask(taskId);
      if (!t) throw new AppError('TASK_NOT_FOUND', `no task with id "${taskId}"`);
      if (!TERMINAL_STATES.has(t.state)) throw new AppError('CONFLICT', `task "${taskId}" is ${t.state}; only finished tasks can be retried`);
      if (!t.name) throw new AppError('CONFLICT', `task "${taskId}" has no known name (its task-received event was not seen)`);
      let args: unknown[];
      let kwargs: Record<string, unknown>;
      try {
        args = parseArgsRepr(t.args);
        kwargs = parseKwargsRepr(t.kwargs);
      } catch (err) {
        if (err instanceof ReprError) {
          throw new AppError('CONFLICT', `cannot retry "${taskId}": its stored arguments are not plain literals (${err.message}); send it again with explicit args instead`);
        }
        throw err;
      }
      const queue = t.queue ?? (t.exchange ? undefined : t.routing_key) ?? undefined;
      const sent = await this.sendTask(caller, { name: t.name, args, kwargs, options: queue ? { queue } : {} }, 'send_task(retry)');
      await this.o.store.linkRetry(taskId, sent.task_id);
      return { task_id: sent.task_id, retry_of: taskId };
    });
  }

  /** Names of queues worth measuring: the default, the workers', those sent to or seen in task events, those asked for. */
  queueNames(extra: string[] = []): string[] {
    const names = new Set<string>([this.o.defaultQueue ?? 'celery']);
    for (const e of this.inspector.entries().values()) {
      if (!Array.isArray(e.active_queues)) continue;
      for (const q of e.active_queues) {
        const n = (q as { name?: unknown })?.name;
        if (typeof n === 'string') names.add(n);
      }
    }
    for (const q of this.sentQueues) names.add(q);
    for (const q of this.watchedQueues) names.add(q);
    for (const q of this.seenQueues) names.add(q);
    for (const q of extra) names.add(q);
    return [...names].sort();
  }

  /** Depth now; queues named in `extra` are measured from then on too (at most 64 such names). */
  async queues(extra: string[] = []): Promise<QueueDepth[]> {
    for (const q of extra) if (this.watchedQueues.size < MAX_QUEUES) this.watchedQueues.add(q);
    return this.o.transport.queueDepths(this.queueNames(extra));
  }

  /** Runs a mutating action and records it in the audit log, whatever the outcome. */
  async audited<T>(caller: Caller, action: string, target: string | null, params: unknown, fn: () => Promise<T>): Promise<T> {
    const at = Date.now() / 1000;
    const write = (outcome: 'ok' | 'error', message: string | null) =>
      this.o.store
        .recordAudit({ at, actor: caller.actor, ip: caller.ip, action, target, params, outcome, message })
        .catch((err: unknown) => this.o.log.error({ err: describeError(err), action }, 'could not write the audit log'));
    try {
      const r = await fn();
      await write('ok', null);
      return r;
    } catch (err) {
      await write('error', isAppError(err) ? `${err.code}: ${err.message}` : describeError(err));
      throw err;
    }
  }

  start(inspectIntervalSeconds: number): void {
    this.inspector.startSchedule(inspectIntervalSeconds);
    this.queueSampler.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    this.inspector.stop();
    await this.queueSampler.stop();
    await this.o.transport.stop();
  }
}

function errorText(reply: unknown): string {
  if (reply && typeof reply === 'object' && 'error' in reply) return String((reply as { error: unknown }).error);
  return 'worker reported an error';
}
