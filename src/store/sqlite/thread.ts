import { Worker as Thread } from 'node:worker_threads';

/**
 * Starts one of the store's threads (`name`.js beside this file). Under the test runner the
 * sources are TypeScript, so the thread is loaded through tsx.
 */
export function spawnThread(name: string, workerData: unknown): Thread {
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(`./${name}.${ts ? 'ts' : 'js'}`, import.meta.url);
  return ts
    ? new Thread(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData })
    : new Thread(url, { workerData });
}
