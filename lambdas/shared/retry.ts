export interface RetryOptions {
  /** Total attempts, including the first. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs?: number;
  readonly isRetryable: (error: unknown) => boolean;
  /** Stop retrying once this many ms have passed since the first attempt (e.g. the function's deadline). */
  readonly deadlineMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Exponential backoff with full jitter; rethrows the last error once attempts or time run out.
 * For waits no SDK retry covers (a database resuming from auto-pause): AWS calls are retried by
 * their clients (clients/retries.ts), never by this.
 */
export async function withRetry<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const started = Date.now();
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const elapsed = Date.now() - started;
      const ceiling = Math.min(options.maxDelayMs ?? 10_000, options.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(Math.random() * ceiling);
      const outOfTime = options.deadlineMs !== undefined && elapsed + delay >= options.deadlineMs;
      if (attempt >= options.attempts || outOfTime || !options.isRetryable(error)) throw error;
      await wait(delay);
    }
  }
}
