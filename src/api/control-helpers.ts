import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller, ControlPlane } from '../control/index.js';
import { AppError } from '../shared/errors.js';
import type { ApiContext } from './context.js';

/** The control plane, or 503 when this instance runs without one. */
export function controlOf(ctx: ApiContext): ControlPlane {
  if (!ctx.control) throw new AppError('NOT_CONFIGURED', 'remote control is not available for this broker');
  return ctx.control;
}

/** Who made the request, for the audit log (no authentication yet: a header, else null). */
export function callerOf(req: FastifyRequest): Caller {
  const h = req.headers['x-celeriac-user'];
  const actor = Array.isArray(h) ? h[0] : h;
  return { actor: actor && actor.trim() ? actor.trim().slice(0, 200) : null, ip: req.ip ?? null };
}

/** Flower's clients post HTML forms as often as JSON; accept both (scoped to the plugin). */
export function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
}

/** Flower reads a parameter from the query string or the body alike. */
export function param(req: FastifyRequest, name: string): string | undefined {
  const q = (req.query as Record<string, unknown> | undefined)?.[name];
  const b = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>)[name] : undefined;
  const v = q ?? b;
  if (v === undefined || v === null || v === '') return undefined;
  return Array.isArray(v) ? String(v[0]) : String(v);
}

export function boolText(v: string | undefined, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new AppError('INVALID_PARAMETER', `${name}: expected true or false, got "${v}"`);
}

export function numText(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new AppError('INVALID_PARAMETER', `${name}: expected a number, got "${v}"`);
  return n;
}
