import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { BenchConfig } from './config.js';
import type { WriterRunResult } from './writer-run.js';

/**
 * The `writer` scenario: the SQLite write path alone on this host (writer-micro.js in a child
 * process of its own: no broker, no event loop, no publisher beside it), a fixed number of
 * events into a fresh store. Hosts of one kind differ by half from one day to the next
 * (docs/PERFORMANCE.md); this figure says how fast this one is, and sets the ingest steps'
 * rates beside what the writer can do on its own.
 */
export type WriterAloneResult = WriterRunResult | { error: string };

/** writer-micro.ts's environment switches for experiments. */
const EXPERIMENTS = ['KEEP_DB', 'KEEP', 'TIME_ORDERED_IDS', 'PAYLOADS', 'WRITER_PRAGMAS', 'PAGE_SIZE', 'FTS_DETAIL', 'EXTRA_SQL'];

export async function writerAloneScenario(cfg: BenchConfig, log: (s: string) => void): Promise<WriterAloneResult> {
  // Built: dist/bench/writer-micro.js; from the sources (tests): through tsx.
  const ts = import.meta.url.endsWith('.ts');
  const script = new URL(`./writer-micro.${ts ? 'ts' : 'js'}`, import.meta.url);
  const db = join(cfg.tmpDir, 'writer-alone.db');
  // writer-micro's experiment switches (a changed index, ordered ids …) must not leak in from
  // the shell the bench runs in: this is the store as shipped.
  const env: NodeJS.ProcessEnv = { ...process.env, DB: db, JSON: '1' };
  for (const k of EXPERIMENTS) delete env[k];
  log(`writer alone: ${cfg.writerEvents.toLocaleString('en')} events into a fresh store, batches of 10,000`);
  try {
    const out = await new Promise<string>((res, rej) =>
      execFile(
        process.execPath,
        [...(ts ? ['--import', 'tsx'] : []), script.pathname, String(cfg.writerEvents), '0', '10000'],
        { env, timeout: 300_000, maxBuffer: 1 << 20 },
        (err, stdout, stderr) => (err ? rej(new Error(`${err.message}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`)) : res(stdout)),
      ),
    );
    const r = JSON.parse(out.trim().split('\n').pop()!) as WriterRunResult;
    log(`  ${r.inserted} stored in ${r.seconds.toFixed(1)} s = ${r.eventsPerSecond}/s, ${r.eventsPerCpuSecond} per CPU-second, ${r.bytesPerEvent} bytes written per event`);
    return r;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log(`  failed: ${error}`);
    return { error };
  }
}
