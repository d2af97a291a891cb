/**
 * Errors that mean "the database is not accepting connections yet": an Aurora Serverless v2
 * instance resuming from auto-pause refuses or stalls connections for ~15 s, or answers
 * 57P03 cannot_connect_now while it starts. These are worth retrying until the deadline.
 */
const STARTING_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', '57P03']);

/** pg reports its own connection timeouts and dropped handshakes with these messages (no code). */
const STARTING_MESSAGES = [
  /connection timeout/i,
  /timeout exceeded when trying to connect/i,
  /Connection terminated unexpectedly/i,
];

export function isDatabaseStarting(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && STARTING_ERROR_CODES.has(code)) return true;
  return typeof message === 'string' && STARTING_MESSAGES.some((pattern) => pattern.test(message));
}

/** SQLSTATE invalid_password: the cached secret is stale (RDS rotated it). */
export const INVALID_PASSWORD = '28P01';

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The database stayed unreachable for the whole retry window. Marked `$retryable` (the AWS SDK's
 * flag, which `respond()` honours) so the handler throws and the caller's own retry acts
 * (Lambda async retries, Step Functions Retry) instead of getting a final failure.
 */
export class DatabaseUnavailableError extends Error {
  readonly $retryable = { throttling: false };

  constructor(cause: unknown) {
    super('The database is not accepting connections.', { cause });
    this.name = 'DatabaseUnavailableError';
  }
}
