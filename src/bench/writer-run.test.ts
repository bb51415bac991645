import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from './config.js';
import { renderTable, targetVerdicts } from './report.js';
import type { BenchResults } from './run.js';
import { writerAloneScenario } from './writer-alone.js';
import { runWriter } from './writer-run.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-writer-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Task events the store counted, tasks it holds, and tasks per state (the writer keeps them). */
function stored(path: string): { events: number; tasks: number; counted: number } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      events: db.prepare('SELECT n FROM event_count').pluck().get() as number,
      tasks: db.prepare('SELECT count(*) FROM tasks').pluck().get() as number,
      counted: db.prepare('SELECT sum(n) FROM task_counts').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

describe('the SQLite writer alone', () => {
  it('stores every generated event through the writer and measures it', async () => {
    const path = join(dir, 'w.db');
    const r = await runWriter({ path, events: 12000, batch: 2500 });
    expect(r.events).toBeGreaterThanOrEqual(12000);
    expect(r.inserted).toBe(r.events);
    expect(r.storeHeld).toBe(0);
    expect(r.eventsPerSecond).toBeGreaterThan(0);
    expect(r.eventsPerCpuSecond).toBeGreaterThan(0);
    // each task: task-sent, -received, -started, then -succeeded or -failed
    const s = stored(path);
    expect(s).toEqual({ events: r.events, tasks: r.events / 4, counted: r.events / 4 });
    // into the same store again (keepDb): it says what the store held, and adds the new events
    const again = await runWriter({ path, events: 4000, batch: 2500, keepDb: true });
    expect(again.storeHeld).toBe(r.events / 4);
    expect(again.inserted).toBe(again.events);
    expect(stored(path).events).toBe(r.events + again.events);
  });

  it('runs as the bench scenario in a child process, and the table and the ingest verdict show it', async () => {
    const cfg = { ...readConfig([], {}), tmpDir: dir, writerEvents: 4000 };
    const logs: string[] = [];
    // an experiment switch of writer-micro left in the environment must not reach the scenario
    process.env.EXTRA_SQL = 'this is not SQL';
    const w = await writerAloneScenario(cfg, (s) => logs.push(s)).finally(() => delete process.env.EXTRA_SQL);
    if ('error' in w) throw new Error(w.error);
    expect(w.inserted).toBe(w.events);
    expect(w.events).toBeGreaterThanOrEqual(4000);
    expect(logs.join('\n')).toContain(`${w.inserted} stored`);
    const res: BenchResults = {
      startedAt: 'now', machine: { cpus: 2, cpuModel: 'x', memGb: 1, node: 'v20', loadAtStart: 0 },
      config: { ...cfg, scenarios: ['writer', 'ingest'] }, writer: w, skipped: {}, history: [], phases: {},
      ingest: [{
        broker: 'redis', store: 'sqlite', mode: 'unbatched', seconds: 60, probe: false, targetRate: 30000, publisherRate: 30000,
        publisherBehindS: 0, published: 1800000, stored: 1800000, storedRate: 30000, lost: 0, drainS: 1, maxPending: 0, reconnects: 0,
        dropped: 0, minSubscribers: 1, rssMaxMb: 300, rssEndMb: 250, celeriacCpu: 1.3, publisherCpu: 0.2, brokerCpu: 0.1,
        machineBusy: 0.8, load: 2, ok: true,
      }],
    };
    expect(renderTable(res)).toContain(`SQLite writer alone (in-process, nothing else running; ${w.inserted.toLocaleString('en')} events`);
    const v = targetVerdicts(res).find((t) => t.target.startsWith('sustained ingest, Redis + SQLite'))!;
    expect(v.measured).toBe(`30000/s sustained 60 s; the SQLite writer alone on this host: ${w.eventsPerSecond}/s`);
    expect(v.verdict).toBe('MISSED');
    const failed = targetVerdicts({ ...res, writer: { error: 'boom' } }).find((t) => t.target.startsWith('sustained ingest, Redis + SQLite'))!;
    expect(failed.measured).toBe('30000/s sustained 60 s');
  }, 60_000);
});
