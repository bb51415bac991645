import { describe, expect, it } from 'vitest';
import { searchRates, type SearchPlan } from './ingest.js';

const LADDER = [20000, 30000, 40000, 50000, 70000];

/**
 * The steps a search runs on a store that holds `full` events/s for a full-length step and
 * `probe` for a probe (probes pass higher: the store is still small), as "40000F" / "50000p".
 */
async function steps(plan: SearchPlan, start: number | undefined, full: number, probe: number, probing = true): Promise<string[]> {
  const ran: string[] = [];
  await searchRates(LADDER, start, plan, probing, async (rate, isFull) => {
    ran.push(`${rate}${isFull ? 'F' : 'p'}`);
    return rate <= (isFull ? full : probe);
  });
  return ran;
}

describe('searchRates', () => {
  it('full-first: a full step at the start, then one rung down when it fails', async () => {
    expect(await steps('full-first', 40000, 35000, 45000)).toEqual(['40000F', '30000F']);
    // nothing below the lowest rung
    expect(await steps('full-first', 20000, 10000, 10000)).toEqual(['20000F']);
  });

  it('full-first: one rung up when the start holds and a probe there passes, never more', async () => {
    expect(await steps('full-first', 40000, 45000, 55000)).toEqual(['40000F', '50000p', '50000F']);
    expect(await steps('full-first', 40000, 99000, 99000)).toEqual(['40000F', '50000p', '50000F']);
    expect(await steps('full-first', 40000, 45000, 45000)).toEqual(['40000F', '50000p']);
    // at the top of the ladder there is nowhere to go
    expect(await steps('full-first', 70000, 99000, 99000)).toEqual(['70000F']);
    // without probes the rung up runs for the full length directly
    expect(await steps('full-first', 40000, 45000, 99000, false)).toEqual(['40000F', '50000F']);
  });

  it('once: one full step at the start (or the first rung)', async () => {
    expect(await steps('once', 30000, 0, 0)).toEqual(['30000F']);
    expect(await steps('once', undefined, 99000, 99000)).toEqual(['20000F']);
  });

  it('probe-up: probes up from the start while they pass, then the highest passing one for the full length', async () => {
    expect(await steps('probe-up', 40000, 45000, 55000)).toEqual(['40000p', '50000p', '70000p', '50000F']);
    // the first probe fails: the rung below runs for the full length
    expect(await steps('probe-up', 40000, 30000, 35000)).toEqual(['40000p', '30000F']);
    // a start between rungs begins at the next one up; no start: the second rung
    expect(await steps('probe-up', 25000, 99000, 35000)).toEqual(['30000p', '40000p', '30000F']);
    expect(await steps('probe-up', undefined, 99000, 25000)).toEqual(['30000p', '20000F']);
    // without probes: full steps from the bottom until one fails
    expect(await steps('probe-up', 40000, 35000, 99000, false)).toEqual(['20000F', '30000F', '40000F']);
  });
});
