/**
 * How AWS calls are retried: by the SDK client itself and nowhere else (no loop of FABLE's on
 * top, which would multiply the attempts). Standard mode backs off with jitter on throttling,
 * 5xx, timeouts and network errors; anything the SDK does not retry is final.
 */
export const SDK_RETRIES = { maxAttempts: 4, retryMode: 'standard' } as const;

/**
 * Bedrock throttles per model quota: adaptive mode also slows this client's sending rate while
 * it is throttled, and a model call gets one more attempt.
 */
export const MODEL_RETRIES = { maxAttempts: 5, retryMode: 'adaptive' } as const;
