/**
 * amqplib picks the AMQP field type of a number by its size: 128..32767 becomes 's' (a signed
 * short in the 0-9-1 errata), but py-amqp reads 's' as a *short string*, loses its place in
 * the frame and the Celery worker dies with "Unrecoverable error: UnicodeDecodeError"
 * (seen with a pidbox `clock` header of 200). py-amqp also reads 'b' as unsigned. So every
 * integer outside 0..127 is sent as an explicit 32-bit 'I' (or 64-bit 'l'), which both read
 * the same way.
 */
export function pyAmqpSafe(v: unknown): unknown {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || (v >= 0 && v <= 127)) return v;
    if (v >= -0x80000000 && v < 0x80000000) return { '!': 'int', value: v };
    if (v > 0 && Number.isSafeInteger(v)) return { '!': 'long', value: v };
    return { '!': 'double', value: v };
  }
  if (Array.isArray(v)) return v.map(pyAmqpSafe);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = pyAmqpSafe(x);
    return out;
  }
  return v;
}

export const safeHeaders = (h: Record<string, unknown>) => pyAmqpSafe(h) as Record<string, unknown>;
