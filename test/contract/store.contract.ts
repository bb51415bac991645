import { afterEach, describe, expect, it } from 'vitest';
import { applyTaskEvent, emptyTask } from '../../src/state/merge.js';
import type { CeleryEvent, Task, Worker } from '../../src/state/types.js';
import { parseSearch } from '../../src/store/query/search.js';
import type { RetentionPolicy } from '../../src/store/retention.js';
import type { Store, TaskQuery } from '../../src/store/types.js';
import { multi, shuffled, single, taskEvent, taskLife, type TaskSpec } from '../fixtures/task-events.js';
import { redisEventFixtures } from '../helpers/wire.js';

export interface StoreFactory {
  /** A store (not yet opened) on a fresh, empty database. */
  fresh(opts?: { retention?: RetentionPolicy }): Promise<Store>;
  /** A second store (not yet opened) on the database of the last fresh() one: another instance. */
  again(): Promise<Store>;
}

const DAY = 86400;
const NOW = Math.floor(Date.now() / 1000);

/** The in-memory merge of events, in the given order: what a store must hold for the task. */
function oracle(events: CeleryEvent[]): Map<string, Task> {
  const out = new Map<string, Task>();
  for (const ev of events) {
    let t = out.get(ev.uuid!);
    if (!t) {
      t = emptyTask(ev.uuid!, ev.timestamp);
      t.seen_at = Infinity;
      out.set(ev.uuid!, t);
    }
    applyTaskEvent(t, ev);
  }
  return out;
}

function fixtureTaskEvents(): { payloads: string[]; events: CeleryEvent[] } {
  const payloads: string[] = [];
  const events: CeleryEvent[] = [];
  for (const r of redisEventFixtures()) {
    payloads.push(JSON.stringify(r.body_decoded));
    const body = r.body_decoded as CeleryEvent | CeleryEvent[];
    for (const ev of Array.isArray(body) ? body : [body]) if (ev.type.startsWith('task-')) events.push(ev);
  }
  return { payloads, events };
}

const ids = (tasks: Task[]) => tasks.map((t) => t.uuid).sort();

/** Runs the store contract against one implementation. */
export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = [];
    const open = async (s: Store) => {
      await s.open();
      opened.push(s);
      return s;
    };
    const fresh = async (opts?: { retention?: RetentionPolicy }) => open(await factory.fresh(opts));
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('stores real captured events and merges them like the live model', async () => {
      const store = await fresh();
      const { payloads, events } = fixtureTaskEvents();
      let inserted = 0;
      for (let i = 0; i < payloads.length; i += 10) inserted += (await store.write({ payloads: payloads.slice(i, i + 10), workers: [] })).inserted;
      expect(inserted).toBe(events.length);
      const expected = oracle(events);
      for (const [uuid, t] of expected) expect(await store.getTask(uuid)).toEqual(t);
      const counts = await store.counts();
      expect(counts).toMatchObject({ tasks: expected.size, events: events.length });
      const byState: Record<string, number> = {};
      for (const t of expected.values()) byState[t.state] = (byState[t.state] ?? 0) + 1;
      expect(counts.byState).toEqual(byState);
      const someUuid = events[0]!.uuid!;
      const timeline = await store.getTaskEvents(someUuid);
      expect(timeline.length).toBe(events.filter((e) => e.uuid === someUuid).length);
      expect(timeline[0]).toMatchObject({ uuid: someUuid, type: 'task-sent' });
      expect(timeline[0]!.data).toMatchObject({ name: events[0]!.name });
    });

    it('stores an event delivered twice once, within and across batches', async () => {
      const store = await fresh();
      const life = taskLife({ uuid: 'dup-1', at: NOW - 100 });
      const first = await store.write({ payloads: [multi(life), single(life[0]!)], workers: [] });
      expect(first).toEqual({ inserted: 4, duplicates: 1 });
      const second = await store.write({ payloads: [multi(life)], workers: [] });
      expect(second).toEqual({ inserted: 0, duplicates: 4 });
      expect(await store.getTaskEvents('dup-1')).toHaveLength(4);
      expect((await store.counts()).events).toBe(4);
      expect(await store.getTask('dup-1')).toEqual(oracle(life).get('dup-1'));
    });

    it('merges out-of-order events (with duplicates, one per batch) to the same task as in order', async () => {
      const store = await fresh();
      const specs: TaskSpec[] = [];
      const outcomes = ['success', 'failure', 'retry-then-success', 'started', 'revoked'] as const;
      for (let i = 0; i < 25; i++) specs.push({ uuid: `ooo-${i}`, at: NOW - 500 + i, outcome: outcomes[i % 5], worker: `celery@w${i % 3}` });
      const events = specs.flatMap(taskLife);
      const arrival = shuffled([...events, ...shuffled(events, 7).slice(0, 30)], 42);
      let dup = 0;
      for (let i = 0; i < arrival.length; i += 3) {
        dup += (await store.write({ payloads: arrival.slice(i, i + 3).map(single), workers: [] })).duplicates;
      }
      expect(dup).toBe(30);
      const expected = oracle(events);
      for (const [uuid, t] of expected) expect(await store.getTask(uuid), uuid).toEqual(t);
    });

    it('takes writes handed over before the last one finished (the ingest pipeline may keep several in flight)', async () => {
      const store = await fresh();
      const events = Array.from({ length: 60 }, (_, i) => taskLife({ uuid: `fl-${i}`, at: NOW - 700 + i, outcome: i % 3 ? 'success' : 'failure' })).flat();
      const arrival = shuffled([...events, ...shuffled(events, 5).slice(0, 40)], 11);
      const writes = [];
      for (let i = 0; i < arrival.length; i += 25) writes.push(store.write({ payloads: arrival.slice(i, i + 25).map(single), workers: [] }));
      const results = await Promise.all(writes);
      expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(events.length);
      expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(40);
      expect(await store.counts()).toMatchObject({ tasks: 60, events: events.length, byState: { SUCCESS: 40, FAILURE: 20 } });
      const expected = oracle(events);
      for (const [uuid, t] of expected) expect(await store.getTask(uuid), uuid).toEqual(t);
    });

    it('handles RETRY by timestamp, and SUCCESS/FAILURE beat RETRY whatever the clocks say', async () => {
      const store = await fresh();
      // The retried run's events cross: RETRY (t=10) arrives after the new run started (t=11).
      const a = [taskEvent('task-started', 'r-1', NOW + 11), taskEvent('task-retried', 'r-1', NOW + 10, { exception: "IOError('x')" })];
      // A worker with a fast clock: SUCCESS stamped before the RETRY of the same task.
      const b = [taskEvent('task-retried', 'r-2', NOW + 20), taskEvent('task-succeeded', 'r-2', NOW + 19, { result: '1' })];
      for (const ev of [...a, ...b]) await store.write({ payloads: [single(ev)], workers: [] });
      expect((await store.getTask('r-1'))!.state).toBe('STARTED');
      expect((await store.getTask('r-2'))!.state).toBe('SUCCESS');
      // Same events, reverse order, on other uuids.
      const rev = [...a, ...b].reverse().map((e) => ({ ...e, uuid: `${e.uuid}-rev` }));
      for (const ev of rev) await store.write({ payloads: [single(ev)], workers: [] });
      expect((await store.getTask('r-1-rev'))!.state).toBe('STARTED');
      expect((await store.getTask('r-2-rev'))).toEqual({ ...(await store.getTask('r-2'))!, uuid: 'r-2-rev' });
    });

    it('stores text PostgreSQL cannot hold as is (NUL, lone surrogates) instead of failing the batch', async () => {
      const store = await fresh();
      const life = taskLife({ uuid: 'weird-text', at: NOW - 40, args: "('weird\u0000nul', 'lone \ud800')", result: "'\udc00 end'" });
      expect((await store.write({ payloads: [multi(life)], workers: [] })).inserted).toBe(4);
      const t = (await store.getTask('weird-text'))!;
      expect(t.state).toBe('SUCCESS');
      // SQLite keeps the NUL, PostgreSQL cannot store it and drops it; the lone surrogate becomes U+FFFD
      const args = t.args!.replace(String.fromCharCode(0), '');
      expect(args.startsWith("('weirdnul', 'lone ")).toBe(true);
      expect(args.endsWith("')")).toBe(true);
      expect(await store.getTaskEvents('weird-text')).toHaveLength(4);
      expect(ids((await store.queryTasks({ limit: 5, search: parseSearch('args:weird') })).tasks)).toEqual(['weird-text']);
    });

    it('search sees text that arrives with later events, and the newest text only', async () => {
      const store = await fresh();
      const [sent, received, started, succeeded] = taskLife({ uuid: 'late-text', at: NOW - 50, args: "('first-args',)", result: "'zebra-42'" });
      await store.write({ payloads: [single(started!)], workers: [] });
      await store.write({ payloads: [single(sent!)], workers: [] });
      await store.write({ payloads: [single(received!)], workers: [] });
      const find = async (text: string) => ids((await store.queryTasks({ limit: 10, search: parseSearch(text) })).tasks);
      expect(await find('first-args')).toEqual(['late-text']);
      expect(await find('zebra')).toEqual([]);
      await store.write({ payloads: [single(succeeded!)], workers: [] });
      expect(await find('result:zebra-42')).toEqual(['late-text']);
      expect(await find('args:first-args')).toEqual(['late-text']);
    });

    it('matches a bare word against the task id by prefix (as typed or lowercased), not by substring', async () => {
      const store = await fresh();
      const specs: TaskSpec[] = [
        { uuid: '3f2a9c1e-0b4d-4e6f-8a7b-1c2d3e4f5a6b', at: NOW - 40 },
        { uuid: '3f2a0000-0b4d-4e6f-8a7b-000000000000', at: NOW - 30 },
        { uuid: 'Job-ABC-1', at: NOW - 20 },
        { uuid: 'other-1', at: NOW - 10, args: "('9c1e0b4d',)" },
      ];
      await store.write({ payloads: [multi(specs.flatMap((x) => taskLife(x)))], workers: [] });
      const find = async (text: string) => ids((await store.queryTasks({ limit: 10, search: parseSearch(text) })).tasks);
      expect(await find('3f2a')).toEqual(['3f2a0000-0b4d-4e6f-8a7b-000000000000', '3f2a9c1e-0b4d-4e6f-8a7b-1c2d3e4f5a6b']);
      expect(await find('3F2A9C1E')).toEqual(['3f2a9c1e-0b4d-4e6f-8a7b-1c2d3e4f5a6b']);
      expect(await find('3f2a9c1e-0b4d-4e6f-8a7b-1c2d3e4f5a6b')).toEqual(['3f2a9c1e-0b4d-4e6f-8a7b-1c2d3e4f5a6b']);
      // inside an id: no; inside args: yes
      expect(await find('9c1e0b4d')).toEqual(['other-1']);
      expect(await find('0b4d-4e6f')).toEqual([]);
      expect(await find('Job-ABC')).toEqual(['Job-ABC-1']);
      expect(await find('job-abc')).toEqual([]);
      expect(await find('-3f2a')).toEqual(['Job-ABC-1', 'other-1']);
      expect(await find('3f2a state:SUCCESS')).toHaveLength(2);
    });

    it('merges orphaning (a derived task-orphaned event) like the live model, in any order', async () => {
      const store = await fresh();
      const T = NOW - 600;
      const ev = (uuid: string, type: string, dt: number, extra: Partial<CeleryEvent> = {}) =>
        taskEvent(type, uuid, T + dt, { hostname: 'celery@w1', ...extra });
      const scenarios: CeleryEvent[][] = [];
      for (let i = 0; i < 6; i++) {
        const id = `orph-${i}`;
        const evs = [ev(id, 'task-received', 1, { name: 'tasks.x' }), ev(id, 'task-started', 2), ev(id, 'task-orphaned', 5, { derived: i % 2 ? 'worker-lost' : 'worker-offline' })];
        if (i >= 2) evs.push(ev(id, 'task-succeeded', 9, { hostname: 'celery@w2', result: '1' }));
        if (i >= 4) evs.push(ev(id, 'task-started', 8, { hostname: 'celery@w2' }));
        scenarios.push(i % 2 ? evs.reverse() : [...evs.slice(2), ...evs.slice(0, 2)]);
      }
      for (const evs of scenarios) for (const e of evs) await store.write({ payloads: [single(e)], workers: [] });
      for (const evs of scenarios) {
        const mem = oracle([...evs].sort((a, b) => a.timestamp - b.timestamp)).get(evs[0]!.uuid!)!;
        const stored = (await store.getTask(mem.uuid))!;
        expect(stored.state).toBe(mem.state);
        expect(stored.orphaned_at).toBe(T + 5);
        expect(stored.orphan_reason).toBe(mem.orphan_reason);
      }
      expect(ids((await store.queryTasks({ states: ['ORPHANED'], limit: 10 })).tasks)).toEqual(['orph-0', 'orph-1']);
      // state counts follow every change of state, one event per batch
      expect((await store.counts()).byState).toEqual({ ORPHANED: 2, SUCCESS: 4 });
      expect(await store.unfinishedTasks(100)).toEqual([]);
    });

    it('keeps the audit log and retry links', async () => {
      const store = await fresh();
      for (let i = 1; i <= 3; i++) {
        await store.recordAudit({ at: NOW + i, actor: 'ops', ip: '127.0.0.1', action: i === 2 ? 'task.revoke' : 'task.retry', target: `t${i}`, params: { n: i }, outcome: 'ok', message: null });
      }
      const page = await store.listAudit({ limit: 2 });
      expect(page.items.map((e) => e.target)).toEqual(['t3', 't2']);
      expect((await store.listAudit({ limit: 10, cursor: page.nextCursor! })).items.map((e) => e.target)).toEqual(['t1']);
      expect((await store.listAudit({ limit: 10, action: 'task.revoke' })).items[0]).toMatchObject({ target: 't2', params: { n: 2 } });
      await store.linkRetry('old', 'new-1');
      await store.linkRetry('old', 'new-1');
      expect(await store.taskLinks('old')).toEqual({ retry_of: null, retried_as: ['new-1'] });
      expect(await store.taskLinks('new-1')).toEqual({ retry_of: 'old', retried_as: [] });
    });

    it('two instances writing the same events concurrently store each once', async () => {
      const one = await fresh();
      const two = await open(await factory.again());
      const events = Array.from({ length: 300 }, (_, i) => taskLife({ uuid: `cc-${i}`, at: NOW - 900 + i, outcome: i % 4 ? 'success' : 'failure' })).flat();
      const batches = (evs: CeleryEvent[], size: number) => Array.from({ length: Math.ceil(evs.length / size) }, (_, i) => evs.slice(i * size, i * size + size).map(single));
      const run = async (s: Store, evs: CeleryEvent[], size: number) => {
        let n = 0;
        for (const payloads of batches(evs, size)) n += (await s.write({ payloads, workers: [] })).inserted;
        return n;
      };
      const [n1, n2] = await Promise.all([run(one, events, 97), run(two, shuffled(events, 3), 131)]);
      expect(n1 + n2).toBe(events.length);
      expect(await one.counts()).toMatchObject({ tasks: 300, events: events.length, byState: { SUCCESS: 225, FAILURE: 75 } });
      const expected = oracle(events);
      for (const uuid of ['cc-0', 'cc-1', 'cc-299']) expect(await two.getTask(uuid)).toEqual(expected.get(uuid));
    });

    describe('queries', () => {
      const specs: TaskSpec[] = [
        { uuid: 'q-01', name: 'billing.charge', at: NOW - 900, args: "('Acme Corp', 42)", result: "'invoice-7781'", queue: 'billing', worker: 'celery@w1', runtime: 2.5 },
        { uuid: 'q-02', name: 'billing.refund', at: NOW - 800, kwargs: "{'customer': 'globex'}", queue: 'billing', worker: 'celery@w2', runtime: 0.2 },
        { uuid: 'q-03', name: 'tasks.add', at: NOW - 700, outcome: 'failure', exception: "KeyError('missing-sku')", worker: 'celery@w1' },
        { uuid: 'q-04', name: 'tasks.add', at: NOW - 600, outcome: 'failure', worker: 'celery@w2' },
        { uuid: 'q-05', name: 'tasks.mul', at: NOW - 500, outcome: 'retry-then-success', worker: 'celery@w1', runtime: 1.5 },
        { uuid: 'q-06', name: 'tasks.mul', at: NOW - 400, outcome: 'started', worker: 'celery@w2', args: '(zq,)' },
        { uuid: 'q-07', name: 'tasks.slow', at: NOW - 300, outcome: 'revoked' },
        { uuid: 'q-08', name: 'tasks.child', at: NOW - 200, parentId: 'q-01', rootId: 'q-01', runtime: 0.1 },
        { uuid: 'q-09', name: 'tasks.child', at: NOW - 100, parentId: 'q-01', rootId: 'q-01', outcome: 'started' },
      ];
      let store: Store;
      const setup = async () => {
        store = await fresh();
        await store.write({ payloads: specs.map((s) => multi(taskLife(s))), workers: [] });
        return store;
      };
      const q = async (query: Partial<TaskQuery>) => ids((await store.queryTasks({ limit: 100, ...query })).tasks);
      const s = async (text: string) => q({ search: parseSearch(text) });

      it('filters by every field of the task list', async () => {
        await setup();
        expect(await q({ states: ['FAILURE'] })).toEqual(['q-03', 'q-04']);
        expect(await q({ names: ['billing.*'] })).toEqual(['q-01', 'q-02']);
        expect(await q({ names: ['tasks.add', 'tasks.slow'] })).toEqual(['q-03', 'q-04', 'q-07']);
        expect(await q({ workers: ['celery@w2'] })).toEqual(['q-02', 'q-04', 'q-06']);
        expect(await q({ queues: ['billing'] })).toEqual(['q-01', 'q-02']);
        expect(await q({ exceptionTypes: ['KeyError'] })).toEqual(['q-03']);
        expect(await q({ rootId: 'q-01' })).toEqual(['q-01', 'q-08', 'q-09']);
        expect(await q({ parentId: 'q-01' })).toEqual(['q-08', 'q-09']);
        expect(await q({ received: { from: NOW - 650, to: NOW - 350 } })).toEqual(['q-04', 'q-05', 'q-06']);
        expect(await q({ started: { from: NOW - 250 } })).toEqual(['q-08', 'q-09']);
        expect(await q({ finished: { to: NOW - 750 } })).toEqual(['q-01', 'q-02']);
        expect(await q({ seen: { from: NOW - 300, to: NOW - 200 } })).toEqual(['q-07', 'q-08']);
        expect(await q({ runtime: { min: 1 } })).toEqual(['q-01', 'q-05']);
        expect(await q({ runtime: { max: 0.3 } })).toEqual(['q-02', 'q-08']);
        expect(await q({ retriesMin: 1 })).toEqual(['q-05']);
        expect(await s('state:FAILURE,REVOKED name:tasks.*')).toEqual(['q-03', 'q-04', 'q-07']);
        expect(await s('-worker:celery@w1 name:tasks.*')).toEqual(['q-04', 'q-06']);
        expect(await s('runtime:>1 retries:>=1')).toEqual(['q-05']);
        expect(await s('exc:KeyError')).toEqual(['q-03']);
      });

      it('searches args, kwargs, result and exception as case-insensitive substrings', async () => {
        await setup();
        expect(await s('args:"acme corp"')).toEqual(['q-01']);
        expect(await s('ACME')).toEqual(['q-01']);
        expect(await s('"cme co"')).toEqual(['q-01']);
        expect(await s('kwargs:GLOBEX')).toEqual(['q-02']);
        expect(await s('args:globex')).toEqual([]);
        expect(await s('result:invoice-77')).toEqual(['q-01']);
        expect(await s('invoice-7781')).toEqual(['q-01']);
        expect(await s('exception:missing-sku')).toEqual(['q-03']);
        expect(await s('missing-sku state:FAILURE')).toEqual(['q-03']);
        expect(await s('zq')).toEqual(['q-06']);
        expect(await s('billing.ref')).toEqual(['q-02']);
        expect(await s('q-0')).toHaveLength(9);
        expect(await s('traceback:"line 9"')).toEqual(['q-03', 'q-04']);
        expect(await s('-args:acme name:billing.*')).toEqual(['q-02']);
        expect(await s('"100% off"')).toEqual([]);
      });

      it('pages with cursors through every sort, without gaps or repeats', async () => {
        await setup();
        for (const sort of [
          { field: 'seen_at', desc: true }, { field: 'seen_at', desc: false }, { field: 'runtime', desc: false },
          { field: 'runtime', desc: true }, { field: 'name', desc: false }, { field: 'finished', desc: true }, { field: 'state', desc: false },
        ] as const) {
          const all = (await store.queryTasks({ limit: 100, sort })).tasks.map((t) => t.uuid);
          expect(all).toHaveLength(specs.length);
          const paged: string[] = [];
          let cursor: string | undefined;
          for (let i = 0; i < 10; i++) {
            const page = await store.queryTasks({ limit: 2, sort, cursor });
            paged.push(...page.tasks.map((t) => t.uuid));
            if (!page.nextCursor) break;
            cursor = page.nextCursor;
          }
          expect(paged, `${sort.field} ${sort.desc ? 'desc' : 'asc'}`).toEqual(all);
        }
        const first = await store.queryTasks({ limit: 3, names: ['tasks.*'] });
        const rest = await store.queryTasks({ limit: 100, names: ['tasks.*'], cursor: first.nextCursor! });
        expect([...first.tasks, ...rest.tasks].map((t) => t.uuid)).toEqual(['q-09', 'q-08', 'q-07', 'q-06', 'q-05', 'q-04', 'q-03']);
        expect(rest.nextCursor).toBeNull();
      });

      it('pages through ties and NULLs of every sort, in both directions, without gaps or repeats', async () => {
        store = await fresh();
        const T = NOW - 5000;
        const tieSpecs: TaskSpec[] = [
          // same name, same sent time, same runtime: ties on every sort column
          ...[1, 2, 3, 4, 5].map((i) => ({ uuid: `tie-0${i}`, name: 'tie.same', at: T, runtime: 1 })),
          // same name and time, still running: runtime and finished NULL
          ...[6, 7, 8].map((i) => ({ uuid: `tie-0${i}`, name: 'tie.same', at: T, outcome: 'started' as const })),
          { uuid: 'tie-11', name: 'tie.same', at: T, outcome: 'revoked' },
          { uuid: 'tie-12', name: 'tie.other', at: T + 1, runtime: 1 },
        ];
        const evs = tieSpecs.flatMap((s) => taskLife(s));
        // only a task-started seen: no name, no received, no runtime
        evs.push(taskEvent('task-started', 'tie-09', T + 5), taskEvent('task-started', 'tie-10', T + 5));
        await store.write({ payloads: [multi(evs)], workers: [] });
        const fields = ['seen_at', 'timestamp', 'received', 'started', 'finished', 'name', 'state', 'runtime'] as const;
        for (const field of fields) {
          for (const desc of [false, true]) {
            const sort = { field, desc };
            const label = `${field} ${desc ? 'desc' : 'asc'}`;
            const all = (await store.queryTasks({ limit: 100, sort })).tasks;
            expect(all, label).toHaveLength(12);
            // sorted by the column, NULLs last in both directions
            const values = all.map((t) => t[field] as string | number | null);
            const firstNull = values.indexOf(null);
            if (firstNull >= 0) expect(values.slice(firstNull).every((v) => v === null), label).toBe(true);
            const set = values.filter((v) => v !== null);
            expect(set, label).toEqual([...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0) * (desc ? -1 : 1)));
            for (const size of [1, 2, 3, 5]) {
              const paged: string[] = [];
              let cursor: string | undefined;
              for (let i = 0; i < 20; i++) {
                const page = await store.queryTasks({ limit: size, sort, cursor });
                paged.push(...page.tasks.map((t) => t.uuid));
                if (!page.nextCursor) break;
                cursor = page.nextCursor;
              }
              expect(paged, `${label} by ${size}`).toEqual(all.map((t) => t.uuid));
            }
          }
        }
        // filters combine with the cursor of a nullable sort (the NULL block included)
        const sort = { field: 'runtime', desc: true } as const;
        const first = await store.queryTasks({ limit: 4, sort, names: ['tie.same'] });
        const rest = await store.queryTasks({ limit: 100, sort, names: ['tie.same'], cursor: first.nextCursor! });
        expect(first.tasks.map((t) => t.runtime)).toEqual([1, 1, 1, 1]);
        expect(rest.tasks.map((t) => t.runtime)).toEqual([1, null, null, null, null]);
        expect(rest.nextCursor).toBeNull();
        // a cursor of one sort is refused by another whose key has another shape
        await expect(store.queryTasks({ limit: 2, sort: { field: 'name', desc: false }, cursor: first.nextCursor! })).rejects.toThrow(/cursor/);
      });

      it('lists children, unfinished tasks, task names, and several tasks by id', async () => {
        await setup();
        expect(ids(await store.getChildren('q-01', 10))).toEqual(['q-08', 'q-09']);
        expect((await store.unfinishedTasks(10)).map((t) => t.uuid)).toEqual(['q-09', 'q-06']);
        expect(await store.taskNames()).toEqual(['billing.charge', 'billing.refund', 'tasks.add', 'tasks.child', 'tasks.mul', 'tasks.slow']);
        expect(ids(await store.getTasks(['q-02', 'q-07', 'nope']))).toEqual(['q-02', 'q-07']);
        expect(await store.getTask('nope')).toBeNull();
        expect(await store.getTaskEvents('nope')).toEqual([]);
        expect(await store.ping()).toBe(true);
      });
    });

    it('upserts workers', async () => {
      const store = await fresh();
      const w = (hostname: string, extra: Partial<Worker> = {}): Worker => ({
        hostname, status: 'online', freq: 2, pid: 77, clock: 5, active: 1, processed: 10, loadavg: [0.5, 0.4, 0.3],
        sw_ident: 'py-celery', sw_ver: '5.2.6', sw_sys: 'Linux', last_heartbeat: NOW, last_event: NOW, online_at: NOW - 60,
        offline_at: null, first_seen: NOW - 60, ...extra,
      });
      await store.write({ payloads: [], workers: [w('celery@b'), w('celery@a')] });
      await store.write({ payloads: [], workers: [w('celery@a', { status: 'offline', offline_at: NOW, processed: 12, first_seen: NOW })] });
      const got = await store.listWorkers();
      expect(got.map((x) => x.hostname)).toEqual(['celery@a', 'celery@b']);
      expect(got[0]).toEqual(w('celery@a', { status: 'offline', offline_at: NOW, processed: 12, first_seen: NOW - 60 }));
    });

    describe('retention', () => {
      const policy = (p: Partial<RetentionPolicy>): RetentionPolicy => ({ successDays: 0, failureDays: 0, maxTasksPerState: 0, intervalSeconds: 3600, ...p });

      it('expires successes and failures by age, tasks together with their events', async () => {
        const store = await fresh({ retention: policy({ successDays: 7, failureDays: 30 }) });
        const specs: TaskSpec[] = [
          { uuid: 'ok-old', at: NOW - 10 * DAY },
          { uuid: 'ok-new', at: NOW - 1 * DAY },
          { uuid: 'fail-mid', at: NOW - 10 * DAY + 5, outcome: 'failure' },
          { uuid: 'fail-old', at: NOW - 40 * DAY, outcome: 'failure' },
          { uuid: 'lost-old', at: NOW - 40 * DAY + 5, outcome: 'started' },
          { uuid: 'lost-mid', at: NOW - 20 * DAY, outcome: 'started' },
        ];
        await store.write({ payloads: specs.map((s) => multi(taskLife(s))), workers: [] });
        const before = await store.counts();
        expect(before).toMatchObject({ tasks: 6, events: 4 + 4 + 4 + 4 + 3 + 3 });
        const r = await store.applyRetention(NOW);
        expect(r.tasksDeleted).toBe(3);
        expect(r.eventsDeleted).toBe(4 + 4 + 3);
        if (store.kind === 'postgres') expect(r.partitionsDropped).toBeGreaterThan(0);
        expect(ids(await store.queryTasks({ limit: 10 }).then((p) => p.tasks))).toEqual(['fail-mid', 'lost-mid', 'ok-new']);
        expect(await store.getTaskEvents('fail-mid')).toHaveLength(4);
        expect(await store.getTaskEvents('lost-mid')).toHaveLength(3);
        expect(await store.getTaskEvents('ok-old')).toEqual([]);
        expect(await store.getTaskEvents('fail-old')).toEqual([]);
        expect(await store.counts()).toMatchObject({ tasks: 3, events: 11 });
        // Idempotent, and writes (even of long-expired days) still work afterwards.
        expect(await store.applyRetention(NOW)).toMatchObject({ tasksDeleted: 0, eventsDeleted: 0 });
        const late = taskLife({ uuid: 'late', at: NOW - 9 * DAY, outcome: 'failure' });
        expect((await store.write({ payloads: [multi(late)], workers: [] })).inserted).toBe(4);
        expect(await store.getTaskEvents('late')).toHaveLength(4);
        // A week later the mid-aged failure goes too, with the events kept for it.
        const later = await store.applyRetention(NOW + 25 * DAY);
        expect(later.tasksDeleted).toBe(4);
        expect(await store.counts()).toMatchObject({ tasks: 0, events: 0 });
      });

      it('keeps at most N tasks per state, the newest', async () => {
        const store = await fresh({ retention: policy({ maxTasksPerState: 2 }) });
        const specs: TaskSpec[] = [
          ...[1, 2, 3, 4, 5].map((i) => ({ uuid: `cap-s${i}`, at: NOW - 1000 + i })),
          ...[1, 2].map((i) => ({ uuid: `cap-f${i}`, at: NOW - 1000 + i, outcome: 'failure' as const })),
        ];
        await store.write({ payloads: specs.map((s) => multi(taskLife(s))), workers: [] });
        const r = await store.applyRetention(NOW);
        expect(r).toMatchObject({ tasksDeleted: 3, eventsDeleted: 12 });
        expect(ids((await store.queryTasks({ limit: 10 })).tasks)).toEqual(['cap-f1', 'cap-f2', 'cap-s4', 'cap-s5']);
        expect(await store.getTaskEvents('cap-s1')).toEqual([]);
        expect(await store.counts()).toEqual({ tasks: 4, events: 16, byState: { SUCCESS: 2, FAILURE: 2 } });
      });

      it('keeps everything by default', async () => {
        const store = await fresh();
        await store.write({ payloads: [multi(taskLife({ uuid: 'keep', at: NOW - 300 * DAY }))], workers: [] });
        expect(await store.applyRetention(NOW)).toEqual({ tasksDeleted: 0, eventsDeleted: 0, partitionsDropped: 0 });
        expect(await store.getTaskEvents('keep')).toHaveLength(4);
      });
    });
  });
}
