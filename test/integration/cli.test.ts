import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCeleriac, startCeleriac } from '../helpers/celeriac.js';
import { REDIS_DB, redisUrl } from '../helpers/services.js';
import { getJson } from '../helpers/wait.js';

// Start-up failures are one clear line, not a stack trace.
describe('command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-cli-'));
  writeFileSync(join(dir, 'a-file'), 'not a directory');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const oneLine = (s: string) => s.trim().split('\n').filter(Boolean);

  it.each([
    [['--broker', 'redis://127.0.0.1:6379/0', '--port', 'abc'], 2, /^celeriac: --port: expected an integer, got "abc"$/],
    [['--broker', 'redis://127.0.0.1:6379/0', '--frobnicate'], 2, /^celeriac: unknown flag --frobnicate/],
    [[], 2, /^celeriac: no broker given/],
    [['--broker', 'redis://:s3cret@127.0.0.1:1/0', '--db', join(dir, 'x.db')], 1, /^celeriac: cannot connect to broker redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: .*ECONNREFUSED/],
    [['--broker', 'redis://127.0.0.1:6379/0', '--db', join(dir, 'a-file', 'x.db')], 1, /^celeriac: cannot open SQLite database .*a-file\/x.db: .*(ENOTDIR|EEXIST|not a directory)/],
  ])('%j exits %i with one line', async (args, code, line) => {
    const r = await runCeleriac(args);
    expect(r.code).toBe(code);
    const lines = oneLine(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(r.stderr).not.toContain('s3cret');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints help and version', async () => {
    expect((await runCeleriac(['--help'])).stdout).toContain('--broker');
    expect((await runCeleriac(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('takes settings from CELERIAC_* variables, binds 127.0.0.1 by default, and stops cleanly on SIGTERM', async () => {
    const c = await startCeleriac([], { env: { CELERIAC_BROKER: redisUrl(REDIS_DB['cli.redis']), CELERIAC_DB: join(dir, 'env.db') } });
    expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await getJson(`${c.url}/readyz`)).status).toBe(200);
    expect(await c.stop()).toBe(0);
  });
});
