import { defineConfig } from 'vitest/config';

// One config for every kind of test. Unit tests sit beside the code (src/**/x.test.ts);
// tests that talk to real Redis, RabbitMQ, PostgreSQL, Celery workers or Chromium live in
// test/. Each test file owns its Redis db number / vhost / database, so files run in parallel.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
