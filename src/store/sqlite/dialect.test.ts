import { describe, expect, it } from 'vitest';
import { pickSubstring, trigrams } from './dialect.js';

describe('pickSubstring', () => {
  const counts = (c: Record<string, number>) => new Map(Object.entries(c));
  it('cuts a term by character', () => {
    expect(trigrams('acme-42')).toEqual(['acm', 'cme', 'me-', 'e-4', '-42']);
    expect(trigrams('ab')).toEqual([]);
    expect(trigrams('éàü€')).toEqual(['éàü', 'àü€']);
  });

  it('keeps the longest run of rare trigrams, or nothing when that is the whole term', () => {
    const c = counts({ acm: 1000, cme: 1000, 'me-': 1000, 'e-4': 900, '-42': 40, '424': 3, '242': 5 });
    expect(pickSubstring('acme-4242', c, 1000)).toBe('e-4242');
    expect(pickSubstring('acme-4242', c, 500)).toBe('-4242');
    expect(pickSubstring('acme-4242', counts({}), 1000)).toBeNull();
    expect(pickSubstring('acme', counts({ acm: 1000, cme: 1000 }), 1000)).toBeNull();
    // two runs of the same length: the rarer
    expect(pickSubstring('abcXdef', counts({ abc: 5, bcX: 1000, cXd: 1000, Xde: 1000, def: 2 }), 1000)).toBe('def');
  });
});
