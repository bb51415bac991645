import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { globToLike, parseSearch } from './search.js';
import { buildTaskQuery, decodeCursor, encodeCursor } from './sql.js';

describe('parseSearch', () => {
  it('parses fields, lists, quotes, negation, comparisons and free text', () => {
    expect(parseSearch('state:failure,retry name:billing.* args:"acme corp" -worker:w1@h runtime:>1.5 retries:2 timeout')).toEqual([
      { field: 'state', op: 'in', values: ['FAILURE', 'RETRY'], negate: false },
      { field: 'name', op: 'in', values: ['billing.*'], negate: false },
      { field: 'args', op: 'contains', values: ['acme corp'], negate: false },
      { field: 'worker', op: 'in', values: ['w1@h'], negate: true },
      { field: 'runtime', op: 'gt', values: ['1.5'], negate: false },
      { field: 'retries', op: 'eq', values: ['2'], negate: false },
      { field: 'text', op: 'contains', values: ['timeout'], negate: false },
    ]);
  });

  it('handles escaped quotes and unicode', () => {
    expect(parseSearch('kwargs:"say \\"héllo\\""')[0]!.values).toEqual(['say "héllo"']);
  });

  it('returns nothing for blank input', () => {
    expect(parseSearch('   ')).toEqual([]);
  });

  it.each([
    ['args:"open', /unclosed quote/],
    ['colour:red', /unknown search field "colour"/],
    ['name:', /needs a value/],
    ['runtime:fast', /expected a number/],
    ['state:,', /needs a value/],
    ['x'.repeat(3000), /longer than/],
    [Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '), /more than/],
    ['name:a"b"', /unexpected quote/],
  ])('rejects %s', (q, msg) => {
    expect(() => parseSearch(q)).toThrow(msg);
    try {
      parseSearch(q);
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('INVALID_SEARCH');
    }
  });

  it('makes LIKE patterns from globs, escaping LIKE metacharacters', () => {
    expect(globToLike('billing.*')).toBe('billing.%');
    expect(globToLike('a_b%c*')).toBe('a\\_b\\%c%');
  });
});

describe('buildTaskQuery', () => {
  const d = { placeholder: (n: number) => `$${n}`, ilike: 'ILIKE' };
  it('uses parameters for every value (no injection)', () => {
    const { sql, params } = buildTaskQuery({ limit: 10, states: ["FAILURE'; DROP TABLE tasks; --"], search: parseSearch('args:"%_\'"') }, d);
    expect(sql).not.toContain('DROP');
    expect(params).toContain("FAILURE'; DROP TABLE tasks; --");
    expect(params).toContain("%\\%\\_'%");
  });

  it('negated clauses let NULLs through', () => {
    expect(buildTaskQuery({ limit: 1, search: parseSearch('-queue:q1') }, d).sql).toContain('NOT COALESCE(queue = $1, FALSE)');
  });

  it('round-trips cursors and rejects forged ones', () => {
    expect(decodeCursor(encodeCursor(12.5, 'abc'))).toEqual([12.5, 'abc']);
    expect(decodeCursor(encodeCursor(null, 'abc'))).toEqual([null, 'abc']);
    expect(decodeCursor(encodeCursor('tasks.add', 1700000000.25, 42), 3)).toEqual(['tasks.add', 1700000000.25, 42]);
    expect(() => decodeCursor(encodeCursor(12.5, 'abc'), 3)).toThrow(/cursor/);
    expect(() => decodeCursor(encodeCursor(12.5, null))).toThrow(/cursor/);
    expect(() => decodeCursor('garbage')).toThrow(/cursor/);
    expect(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url'))).toThrow(/cursor/);
  });
});
