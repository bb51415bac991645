import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { fullGc, startHeapTrimmer } from './heap-trim.js';

const oldMb = () => getHeapSpaceStatistics().filter((s) => s.space_name === 'old_space').reduce((a, s) => a + s.space_used_size, 0) / 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('heap trimmer', () => {
  it('exposes a working full collection without --expose-gc', () => {
    expect(typeof fullGc()).toBe('function');
  });

  it('collects old-generation garbage once an allocation burst is over', async () => {
    const gc = fullGc()!;
    gc();
    const t = startHeapTrimmer({ intervalMs: 100, slackMb: 16 });
    try {
      // Objects that survive two scavenges are promoted: build ~60 MB of them, drop them.
      let keep: string[][] | null = [];
      for (let i = 0; i < 60; i++) {
        keep.push(Array.from({ length: 20000 }, (_, j) => `row ${i} ${j} ${'x'.repeat(20)}`));
        await sleep(5);
      }
      const runsWhileGrowing = t.runs;
      keep = null;
      const before = oldMb();
      expect(before).toBeGreaterThan(40);
      await sleep(500);
      expect(t.runs).toBeGreaterThan(runsWhileGrowing);
      expect(oldMb()).toBeLessThan(before - 30);
    } finally {
      t.stop();
    }
  });
});
