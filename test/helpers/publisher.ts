import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { PublisherOptions, PublishResult } from '../../src/bench/publisher.js';
import { REPO_ROOT } from './services.js';

/** The benchmark publisher as built by `npm run build` (forked: it needs its own thread). */
export const PUBLISHER = resolve(REPO_ROOT, 'dist/bench/publisher.js');

export interface PublisherChild {
  pid: number;
  /** Starts publishing; resolves with the publisher's own count and achieved rate. */
  run(): Promise<PublishResult>;
  kill(): void;
}

/**
 * Forks src/bench/publisher.ts (real-format kombu envelopes of Celery 5 task/worker events,
 * pipelined raw RESP PUBLISH at a fixed rate of task events per second), as `npm run bench`
 * does, so neither the test process nor Celeriac shares its thread.
 */
export function startPublisher(opts: PublisherOptions): Promise<PublisherChild> {
  const child: ChildProcess = fork(PUBLISHER, ['--child', JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise((res, rej) => {
    child.once('error', rej);
    child.once('exit', (code) => rej(new Error(`publisher exited ${code} before it was ready`)));
    child.once('message', (m: { ready?: boolean }) => {
      if (!m.ready) return rej(new Error('publisher did not start'));
      res({
        pid: child.pid!,
        kill,
        run: () =>
          new Promise<PublishResult>((done, fail) => {
            child.on('message', (msg: { done?: PublishResult; error?: string }) => {
              if (msg.done) done(msg.done);
              if (msg.error) fail(new Error(msg.error));
            });
            child.once('exit', (code) => code !== 0 && fail(new Error(`publisher exited ${code}`)));
            child.send({ start: true });
          }),
      });
    });
  });
}
