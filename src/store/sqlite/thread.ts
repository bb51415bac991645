import { setFlagsFromString } from 'node:v8';
import { Worker as Thread } from 'node:worker_threads';

/**
 * The young generation (MB) of each store thread (V8's default would let each grow to 48 MB,
 * most of it dead objects). The writer decodes and folds every event: at 24 MB it writes as
 * fast as at 48 (1 % apart, bench/writer-micro.ts), at 12 MB 8 % slower. The reader and the
 * checkpointer make little garbage; 12 MB is what the launcher gives the main thread.
 */
export const YOUNG_GENERATION_MB = { 'writer-thread': 24, 'reader-thread': 12, 'checkpoint-thread': 12 } as const;
export type ThreadName = keyof typeof YOUNG_GENERATION_MB;

/**
 * Starts one of the store's threads (`name`.js beside this file). Under the test runner the
 * sources are TypeScript, so the thread is loaded through tsx.
 *
 * V8's --max-semi-space-size (the launcher's `#!` line, scripts/cli-launcher.mjs) would size
 * every isolate's young generation, overriding a thread's resourceLimits. It is read when an
 * isolate is made, so it is unset here, after the main thread's heap took it: each thread
 * then gets its YOUNG_GENERATION_MB.
 */
export function spawnThread(name: ThreadName, workerData: unknown): Thread {
  setFlagsFromString('--max-semi-space-size=0');
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB[name] };
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(`./${name}.${ts ? 'ts' : 'js'}`, import.meta.url);
  return ts
    ? new Thread(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData, resourceLimits })
    : new Thread(url, { workerData, resourceLimits });
}
