import type { ServerPayloads } from './contract';
import { isThrottling, isTransientAwsError } from './aws-errors';
import { HandlerError } from './responses';

/**
 * The `error` frame payload for a failure: a HandlerError's own code and message (written for
 * callers), a retry hint for throttling and other transient faults, and otherwise a generic
 * message — never SDK text or stack traces.
 */
export function errorPayload(error: unknown): ServerPayloads['error'] {
  if (error instanceof HandlerError) return { code: error.code, message: error.message, ...error.hints };
  if (isThrottling(error)) return { code: 'THROTTLED', message: 'FABLE is busy; try again shortly.' };
  if (isTransientAwsError(error)) return { code: 'UNAVAILABLE', message: 'FABLE is temporarily unavailable; try again.' };
  return { code: 'INTERNAL', message: 'Internal error' };
}
