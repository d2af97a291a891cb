import type { DirectResponse, ErrorCode, FailureResponse, RetryHints, SuccessResponse } from './contract';
import { isTransientAwsError } from './aws-errors';
import { log } from './telemetry';

/**
 * An expected failure with a code from the contract (bad input, not found, ...). Its message
 * is written for the caller; nothing else ever reaches a response.
 */
export class HandlerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** When a refused request may be tried again (spend caps); empty for every other error. */
    readonly hints: RetryHints = {},
  ) {
    super(message);
    this.name = 'HandlerError';
  }
}

export const badRequest = (message: string) => new HandlerError('BAD_REQUEST', message);
export const notFound = (message: string) => new HandlerError('NOT_FOUND', message);
export const forbidden = (message: string) => new HandlerError('FORBIDDEN', message);
export const conflict = (message: string) => new HandlerError('CONFLICT', message);

export function success<T extends object>(body: T): SuccessResponse<T> {
  return { success: true, ...body };
}

export function failure(code: ErrorCode, message: string, hints: RetryHints = {}): FailureResponse {
  return { success: false, error: { code, message, ...hints } };
}

/**
 * The one way a direct-invoke handler turns an outcome into a response: HandlerErrors become
 * failure responses, transient AWS errors are rethrown so the caller's retry acts (Lambda async,
 * Step Functions Retry), and anything else is logged and reported as INTERNAL without details.
 */
export async function respond<T extends object>(work: () => Promise<T>): Promise<DirectResponse<T>> {
  try {
    return success(await work());
  } catch (error) {
    if (error instanceof HandlerError) return failure(error.code, error.message, error.hints);
    if (isTransientAwsError(error)) throw error;
    log.error('unhandled error', { error: describeError(error) });
    return failure('INTERNAL', 'Internal error');
  }
}

/** For logs only: name and message, never a whole SDK error object. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'UnknownError', message: String(error) };
}
