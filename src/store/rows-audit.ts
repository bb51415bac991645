import type { AuditEntry } from './types.js';

/** A stored audit_log row (either store) → an AuditEntry. */
export function auditRow(r: Record<string, unknown>): AuditEntry {
  let params: unknown = null;
  if (typeof r.params === 'string') {
    try {
      params = JSON.parse(r.params);
    } catch {
      params = r.params;
    }
  } else if (r.params !== undefined) params = r.params;
  return {
    id: Number(r.id),
    at: Number(r.at),
    actor: (r.actor as string | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    action: String(r.action),
    target: (r.target as string | null) ?? null,
    params,
    outcome: r.outcome === 'ok' ? 'ok' : 'error',
    message: (r.message as string | null) ?? null,
  };
}
