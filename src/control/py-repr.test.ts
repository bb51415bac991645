import { describe, expect, it } from 'vitest';
import { parseArgsRepr, parseKwargsRepr, parsePyRepr, pyRepr, pyTupleRepr, ReprError } from './py-repr.js';

describe('parsePyRepr', () => {
  it('reads the reprs Celery puts in events', () => {
    expect(parseArgsRepr('(2, 3)')).toEqual([2, 3]);
    expect(parseArgsRepr("('hello',)")).toEqual(['hello']);
    expect(parseArgsRepr('[1]')).toEqual([1]);
    expect(parseArgsRepr('()')).toEqual([]);
    expect(parseArgsRepr(null)).toEqual([]);
    expect(parseKwargsRepr("{'a': 1, 'text': 'héllo'}")).toEqual({ a: 1, text: 'héllo' });
    expect(parseKwargsRepr('{}')).toEqual({});
    expect(parseKwargsRepr(undefined)).toEqual({});
  });

  it('handles nesting, quotes and escapes', () => {
    expect(parsePyRepr(`{'q': "it's", 'e': 'a\\'b\\\\c\\n\\t\\x00\\u00e9\\U0001f600', 'n': None, 't': True, 'f': False}`)).toEqual({
      q: "it's", e: "a'b\\c\n\t\x00é😀", n: null, t: true, f: false,
    });
    expect(parsePyRepr("[(1, 2.5, -3e-05), [], {}, ((),), {'x': [None]}]")).toEqual([[1, 2.5, -3e-5], [], {}, [[]], { x: [null] }]);
    expect(parsePyRepr('{1: "a", 2.5: "b", None: 0, True: 1}')).toEqual({ '1': 'a', '2.5': 'b', null: 0, true: 1 });
    expect(parsePyRepr("  'spaced'  ")).toBe('spaced');
    expect(parsePyRepr("'\\101'")).toBe('A');
    expect(parsePyRepr("'''tri'ple'''")).toBe("tri'ple");
    expect(parsePyRepr("r'\\d+'")).toBe('\\d+');
    expect(parsePyRepr('1_000')).toBe(1000);
    expect(parsePyRepr('-0.5')).toBe(-0.5);
  });

  it('refuses what is not a plain literal', () => {
    const bad = [
      "(1, 2, 'abc...",             // cut short
      "{'a': 1, 'b': [1, 2, ...",    // cut short with ellipsis
      '[1, 2, ...]',                  // Ellipsis
      'datetime.datetime(2026, 1, 1, 0, 0)',
      "<object object at 0x7f>",
      "{1, 2}",                       // a set
      "b'bytes'",
      'inf', 'nan', '-inf', '1j', '(1+2j)',
      '(1)',                          // not a tuple
      "'unterminated",
      '[1 2]',
      '[1,,2]',
      '{1: }',
      '{[1]: 2}',                     // unhashable key anyway
      '12345678901234567890',         // loses precision in JSON
      '(1, 2) extra',
      '',
      'Decimal("1.0")',
      'UUID(\'a\')',
      "'\\xZZ'",
      '['.repeat(200) + ']'.repeat(200),
    ];
    for (const b of bad) expect(() => parsePyRepr(b), b).toThrow(ReprError);
    expect(() => parseArgsRepr("{'a': 1}")).toThrow(/not a tuple/);
    expect(() => parseKwargsRepr('(1,)')).toThrow(/not a dict/);
  });
});

describe('pyRepr', () => {
  it('writes what Python would', () => {
    expect(pyTupleRepr([2, 3])).toBe('(2, 3)');
    expect(pyTupleRepr(['hello'])).toBe("('hello',)");
    expect(pyTupleRepr([])).toBe('()');
    expect(pyRepr({ a: 1, text: 'héllo', n: null, b: [true, false] })).toBe("{'a': 1, 'text': 'héllo', 'n': None, 'b': [True, False]}");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('a\nb\\')).toBe("'a\\nb\\\\'");
    expect(pyRepr(1.5e-7)).toBe('1.5e-07');
  });

  it('round-trips through the parser', () => {
    const values = [[1, 'x', null, { k: [1.25, "q'\"", '\u0001'] }], {}, ['']];
    for (const v of values) expect(parsePyRepr(pyRepr(v))).toEqual(v);
  });
});
