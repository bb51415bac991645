import { env } from './env';

/** An HTTP error from the API, carrying the catalogue code of `{"error": {"code", "message"}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * True when the server does not have this route at all (an older server, or a feature not
 * merged yet): the page shows "not available" instead of an error.
 */
export function isUnavailable(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 501 || (err.status === 404 && err.code === 'NOT_FOUND'));
}

type Params = Record<string, string | number | boolean | string[] | null | undefined>;

export function toSearch(params: Params = {}): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) sp.set(k, v.join(','));
    } else sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${env.apiBase}${path}`, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? (typeof data === 'string' && data ? data : res.statusText));
  }
  return data as T;
}

/** The only HTTP caller of the dashboard. Feature hooks (features/<f>/api.ts) use it. */
export const api = {
  get: <T>(path: string, params?: Params) => request<T>('GET', `${path}${toSearch(params)}`),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
};
