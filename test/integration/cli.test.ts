import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launcherNodeFlags } from '../../src/bench/proc.js';
import { CLI, runCeleriac, startCeleriac } from '../helpers/celeriac.js';
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

  it('runs as an executable under the V8 flags of its #! line, with the code cache the build made under them', async () => {
    const flags = launcherNodeFlags(CLI);
    expect(flags).toContain('--max-semi-space-size=4');
    const c = await startCeleriac(['--broker', redisUrl(REDIS_DB['cli.redis']), '--db', join(dir, 'exec.db')], { executable: true });
    try {
      // env -S execs node in place: the same process, started with the flags
      const argv = readFileSync(`/proc/${c.proc.pid}/cmdline`, 'utf8').split('\0');
      expect(argv.slice(1, 1 + flags.length)).toEqual(flags);
      expect((await getJson(`${c.url}/readyz`)).status).toBe(200);
    } finally {
      expect(await c.stop()).toBe(0);
    }
    // V8 rejects a code cache made under other flags (then every start compiles the 4 MB bundle)
    const rejected = (nodeFlags: string[]) =>
      spawnSync(process.execPath, [...nodeFlags, '-e', `const fs = require('node:fs'); const { wrap } = require('node:module'); const vm = require('node:vm');
        const f = ${JSON.stringify(CLI.replace(/cli\.js$/, 'celeriac.cjs'))};
        process.stdout.write(String(new vm.Script(wrap(fs.readFileSync(f, 'utf8')), { filename: f, cachedData: fs.readFileSync(f + '.v8cache') }).cachedDataRejected));`], { encoding: 'utf8' }).stdout;
    expect(rejected(flags)).toBe('false');
    expect(rejected([])).toBe('true');
  });
});
