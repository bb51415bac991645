import Database from 'better-sqlite3';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventText, openMigratedWriter } from '../helpers/writer.js';

/**
 * Under sustained ingest the writer checkpoints the WAL itself once it passes its threshold,
 * and the next batch starts the WAL over. The file must keep its size then: cut back, every
 * cycle grew it again and the kernel zeroed each newly allocated block before SQLite's frames
 * were copied in (docs/PERFORMANCE.md, sixth session). Scaled down here: a 1 MB threshold.
 */
const dir = mkdtempSync(join(tmpdir(), 'celeriac-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


/** The WAL header's salts (bytes 16-23): SQLite changes them each time it starts the WAL over. */
function walSalt(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(8);
    readSync(fd, b, 0, 8, 16);
    return b.toString('hex');
  } finally {
    closeSync(fd);
  }
}

describe('SQLite WAL restarts on the writer', () => {
  it('start the WAL over without cutting its file below the checkpoint threshold', () => {
    const path = join(dir, 'wal.db');
    const pages = 256;
    const threshold = pages * 4096;
    const w = openMigratedWriter(path, { walCheckpointPages: pages });
    const sizes: number[] = [];
    const salts = new Set<string>();
    for (let b = 0; b < 40; b++) {
      const payloads: string[] = [];
      for (let i = 0; i < 50; i++) {
        const uuid = `wal-${b}-${i}`;
        payloads.push(eventText('task-received', uuid, 1000 + b, { name: 'reports.build', args: `('${'x'.repeat(1500)}',)`, kwargs: '{}' }));
        payloads.push(eventText('task-succeeded', uuid, 1001 + b, { result: `'${'y'.repeat(1500)}'`, runtime: 1 }));
      }
      expect(w.write(payloads, []).inserted).toBe(100);
      sizes.push(statSync(`${path}-wal`).size);
      salts.add(walSalt(`${path}-wal`));
    }
    w.close();
    // The WAL went past the threshold and was started over, several times ...
    const first = sizes.findIndex((s) => s >= threshold);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(salts.size).toBeGreaterThanOrEqual(3);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM tasks').pluck().get()).toBe(2000);
    db.close();
    // ... and once it had reached the threshold its file never shrank below it.
    expect(Math.min(...sizes.slice(first))).toBeGreaterThanOrEqual(threshold);
  });
});
