import { ApiError, isUnavailable } from '../../lib/api-client';

/**
 * Shows a query's error. A route this server does not have yet (404 NOT_FOUND / 501) reads as
 * "not available" rather than as a failure.
 */
export function ErrorNotice({ error, what }: { error: unknown; what: string }) {
  if (!error) return null;
  if (isUnavailable(error)) {
    return <p className="notice notice-muted" data-testid="unavailable">{what} is not available on this server.</p>;
  }
  const msg = error instanceof ApiError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  return <p className="notice notice-bad" role="alert">Could not load {what}: {msg}</p>;
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="empty">{children}</p>;
}
