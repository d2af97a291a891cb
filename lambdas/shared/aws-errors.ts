import { isRetryableByTrait, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

type SdkError = Parameters<typeof isTransientError>[0];

/** The SDK's classifiers read fields of an error object; anything else is no AWS error. */
const asSdkError = (error: unknown): SdkError | undefined =>
  typeof error === 'object' && error !== null ? (error as SdkError) : undefined;

/**
 * True for throttling, 5xx, timeouts and network failures: errors a retry can cure, as the SDK's
 * own retry strategy classifies them (so the lists stay current with the SDK). Errors that carry
 * the SDK's `$retryable` trait count too, which is how FABLE's own transient errors say so.
 */
export function isTransientAwsError(error: unknown): boolean {
  const e = asSdkError(error);
  return e !== undefined && (isRetryableByTrait(e) || isThrottlingError(e) || isTransientError(e) || isServerError(e));
}

export function isThrottling(error: unknown): boolean {
  const e = asSdkError(error);
  return e !== undefined && isThrottlingError(e);
}

export function errorName(error: unknown): string | undefined {
  return asSdkError(error)?.name;
}
