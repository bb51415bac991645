/**
 * The one error catalogue. Every error a client or an operator can see has a stable `code`;
 * HTTP responses carry it as `{"error": {"code", "message"}}`. docs/errors.md lists them all and
 * a test keeps the two in step.
 */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  INVALID_PARAMETER: 400,
  INVALID_SEARCH: 400,
  INVALID_CURSOR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  WORKER_NOT_FOUND: 404,
  QUEUE_NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  WORKER_ERROR: 502,
  BROKER_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  NOT_CONFIGURED: 503,
  TIMEOUT: 504,
  INTERNAL: 500,
  CONFIG_INVALID: 0,
  BROKER_CONNECT_FAILED: 0,
  STORE_OPEN_FAILED: 0,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.statusCode = ERROR_CODES[code] || 500;
    this.details = options.details;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** A short one-line description of any thrown value, for logs and start-up failures. */
export function describeError(e: unknown): string {
  if (e instanceof AppError) return e.message;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const base = e.message || e.name;
    return typeof code === 'string' && !base.includes(code) ? `${base} (${code})` : base;
  }
  return String(e);
}
