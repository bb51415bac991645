import { describe, expect, it } from 'vitest';
import { toJson } from './write.js';

describe('toJson (batch parameters for PostgreSQL)', () => {
  it('drops NUL and replaces lone surrogates, keeps everything else', () => {
    const v = { a: 'x\u0000y', b: 'lone \ud800 high', c: 'lone \udc00 low', d: 'pair 😀', e: 'literal \\u0000 text', f: 'ok' };
    expect(JSON.parse(toJson(v))).toEqual({ a: 'xy', b: 'lone \ufffd high', c: 'lone \ufffd low', d: 'pair 😀', e: 'literal \\u0000 text', f: 'ok' });
  });

  it('leaves ordinary JSON untouched', () => {
    const v = [{ uuid: 'u', data: '{"args": "(1, 2)"}' }];
    expect(toJson(v)).toBe(JSON.stringify(v));
  });
});
