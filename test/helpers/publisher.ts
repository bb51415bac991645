import { resolve } from 'node:path';
import { forkPublisher, type PublisherChild, type PublisherOptions } from '../../src/bench/publisher.js';
import { REPO_ROOT } from './services.js';

export type { PublisherChild };

/** The benchmark publisher as built by `npm run build` (forked: it needs its own thread). */
export const PUBLISHER = resolve(REPO_ROOT, 'dist/bench/publisher.js');

/**
 * Forks the built src/bench/publisher.ts (real-format kombu envelopes of Celery 5 task/worker
 * events at a fixed rate of task events per second), as `npm run bench` does, so neither the
 * test process nor Celeriac shares its thread.
 */
export const startPublisher = (opts: PublisherOptions): Promise<PublisherChild> => forkPublisher(opts, PUBLISHER);
