import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireServicesLock } from './services-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('services lock', () => {
  it('is taken, reentrant in its process, and released', async () => {
    const path = join(dir, 'a.lock');
    const release = await acquireServicesLock('t', { path });
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
    const again = await acquireServicesLock('t', { path });
    again(); // the inner release leaves the lock alone
    expect(existsSync(path)).toBe(true);
    release();
    expect(existsSync(path)).toBe(false);
  });

  it('waits for a live owner, gives up with one clear line, and takes over once the owner is gone', async () => {
    const path = join(dir, 'b.lock');
    const other = spawn('sleep', ['30']);
    const gone = new Promise((r) => other.once('exit', r));
    writeFileSync(path, `${other.pid}\n`);
    const said: string[] = [];
    await expect(acquireServicesLock('tests', { path, waitMs: 300, say: (l) => said.push(l) })).rejects.toThrow(`tests: another test run or benchmark (pid ${other.pid}) still holds ${path}`);
    expect(said).toEqual([`tests: waiting for another test run or benchmark (pid ${other.pid}) that uses the same Redis, RabbitMQ and PostgreSQL`]);
    const waiting = acquireServicesLock('tests', { path, waitMs: 10_000, say: () => undefined });
    other.kill('SIGKILL');
    await gone;
    const release = await waiting;
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
    release();
  });
});
