/** Header tables as amqplib encodes them must decode in py-amqp (what Celery workers run). */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { pyAmqpSafe } from '../../src/broker/amqp-fields.js';
import { PYTHON } from '../helpers/services.js';

const codec = createRequire(import.meta.url)('amqplib/lib/codec.js') as { encodeTable(b: Buffer, v: unknown, o: number): number };

function pyDecode(table: unknown): { ok: boolean; out: string } {
  const buf = Buffer.alloc(4096);
  const len = codec.encodeTable(buf, table, 0);
  const code = 'import sys, json; from amqp.serialization import loads\n' +
    'v, _ = loads("F", bytes.fromhex(sys.argv[1]), 0)\nprint(json.dumps(v[0]))';
  const r = spawnSync(PYTHON, ['-c', code, buf.subarray(0, len).toString('hex')], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout.trim() : r.stderr };
}

describe('AMQP header tables read by py-amqp', () => {
  const headers = { clock: 200, expires: 1795314016.037318, retries: 0, timelimit: [300, null], neg: -5, big: 2 ** 40, s: 'x' };

  it('plain amqplib encoding breaks py-amqp for 128..32767 (why pyAmqpSafe exists)', () => {
    const r = pyDecode({ clock: 200, next: 'x' });
    expect(r.ok && r.out === JSON.stringify({ clock: 200, next: 'x' })).toBe(false);
  });

  it('pyAmqpSafe tables decode to the same values', () => {
    const r = pyDecode(pyAmqpSafe(headers));
    expect(r.ok, r.out).toBe(true);
    expect(JSON.parse(r.out)).toEqual(headers);
  });
});
