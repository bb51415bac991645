import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { fullGc, QUIET_LOOKS, shouldCollect, startHeapTrimmer } from './heap-trim.js';

const oldMb = () => getHeapSpaceStatistics().filter((s) => s.space_name === 'old_space').reduce((a, s) => a + s.space_used_size, 0) / 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * A burst of `chunks` arrays of 20,000 short strings, built in one go: objects that survive two
 * scavenges are promoted, so once dropped they are old-generation garbage.
 */
const burst = (chunks: number): string[][] =>
  Array.from({ length: chunks }, (_, i) => Array.from({ length: 20000 }, (_, j) => `row ${i} ${j} ${'x'.repeat(20)}`));

describe('heap trimmer', () => {
  it('exposes a working full collection without --expose-gc', () => {
    expect(typeof fullGc()).toBe('function');
  });

  it('collects old-generation garbage once an allocation burst is over', async () => {
    const gc = fullGc()!;
    gc();
    // slack 96: the burst (~200 MB) is over the slack but under three times it, so what collects
    // it is the burst being over (or, looks later, the quiet rule), not its size; each rule on
    // its own: shouldCollect below
    const t = startHeapTrimmer({ intervalMs: 100, slackMb: 96 });
    try {
      // built in one go so that the trimmer first looks when it is over, and dropped
      burst(60);
      const runsWhileGrowing = t.runs;
      const before = oldMb();
      expect(before).toBeGreaterThan(40);
      await sleep(500);
      expect(t.runs).toBeGreaterThan(runsWhileGrowing);
      expect(oldMb()).toBeLessThan(before - 30);
    } finally {
      t.stop();
    }
  });

  it('collects a burst well under the slack once the heap has been quiet for a few looks', async () => {
    const gc = fullGc()!;
    gc();
    const t = startHeapTrimmer({ intervalMs: 50, slackMb: 256 });
    try {
      burst(25);
      const before = oldMb();
      expect(before).toBeGreaterThan(30);
      // ~80 MB of garbage: under the 256 MB slack, over an eighth of it
      await sleep(50 * (QUIET_LOOKS + 6));
      expect(t.runs).toBeGreaterThanOrEqual(1);
      expect(oldMb()).toBeLessThan(before - 20);
    } finally {
      t.stop();
    }
  });

  it('collectFirst: collects at start, so garbage left before it is not taken as the floor', async () => {
    burst(25);
    const before = oldMb();
    const t = startHeapTrimmer({ intervalMs: 60_000, collectFirst: true });
    try {
      expect(oldMb()).toBeLessThan(before - 20);
    } finally {
      t.stop();
    }
  });

  it('collects once growth slows, or at once past three times the slack', () => {
    const mb = 2 ** 20;
    expect(shouldCollect(10 * mb, 0, 16 * mb)).toBe(false); // little above the last level
    expect(shouldCollect(20 * mb, 1 * mb, 16 * mb)).toBe(true); // the burst is over
    expect(shouldCollect(20 * mb, 8 * mb, 16 * mb)).toBe(false); // still growing fast
    expect(shouldCollect(47 * mb, 8 * mb, 16 * mb)).toBe(false);
    expect(shouldCollect(48 * mb, 8 * mb, 16 * mb)).toBe(true); // a long burst
  });

  it('once quiet for QUIET_LOOKS looks, collects an eighth of the slack too, not less', () => {
    const mb = 2 ** 20;
    expect(shouldCollect(10 * mb, 0, 16 * mb, QUIET_LOOKS - 1)).toBe(false); // not quiet long enough
    expect(shouldCollect(10 * mb, 0, 16 * mb, QUIET_LOOKS)).toBe(true);
    expect(shouldCollect(2 * mb, 0, 16 * mb, QUIET_LOOKS)).toBe(true);
    expect(shouldCollect(2 * mb - 1, 0, 16 * mb, 100)).toBe(false); // too little to bother
  });
});
