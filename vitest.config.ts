import { defineConfig } from 'vitest/config';

// One config for every kind of test. Unit tests sit beside the code (src/**/x.test.ts);
// tests that talk to real Redis, RabbitMQ, PostgreSQL, Celery workers or Chromium live in
// test/. Each test file owns its Redis db number / vhost / database, so files run in parallel,
// except the dashboard load test: it measures whether Celeriac keeps up with 20,000 events/s on
// this machine, so it runs after the others, alone (project "load", a later group).
const LOAD = 'test/web/load.test.ts';

export default defineConfig({
  test: {
    exclude: ['node_modules/**', 'dist/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // One run at a time per machine: another test run or bench waits (test/services-lock.setup.ts).
    globalSetup: ['test/services-lock.setup.ts'],
    projects: [
      { extends: true, test: { name: 'main', include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'], exclude: ['node_modules/**', 'dist/**', LOAD] } },
      { extends: true, test: { name: 'load', include: [LOAD], sequence: { groupOrder: 1 } } },
    ],
  },
});
