import { z } from 'zod';
import { AppError } from '../shared/errors.js';

/** Parses a query object with a zod schema; any problem is a 400 naming the parameter. */
export function parseQuery<T extends z.ZodTypeAny>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : 'query';
  throw new AppError('INVALID_PARAMETER', `${where}: ${issue.message}`);
}

/** Accepts epoch seconds, ISO 8601, or Flower's "YYYY-MM-DD HH:MM" (UTC). Returns epoch seconds. */
export function parseTime(v: string, name: string): number {
  const s = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n > 1e11 ? n / 1000 : n; // milliseconds given
  }
  const flower = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(s);
  const ms = Date.parse(flower ? `${flower[1]}T${flower[2]}${flower[3] ?? ''}Z` : s);
  if (Number.isNaN(ms)) throw new AppError('INVALID_PARAMETER', `${name}: not a time (use epoch seconds or ISO 8601): "${v}"`);
  return ms / 1000;
}

export const timeParam = (name: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : parseTime(v, name)));

/** A list parameter given as repeated keys and/or comma-separated values. */
export const listParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => {
    if (v === undefined) return undefined;
    const items = (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    return items.length ? items : undefined;
  });

export const intParam = (min: number, max: number, def?: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

export const boolParam = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    const s = v.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
    ctx.addIssue({ code: 'custom', message: `expected true or false, got "${v}"` });
    return z.NEVER;
  });
