/** Direct-invoke response shape of DESIGN.md section 4 (every handler but the WebSocket ones). */
import * as z from 'zod';

/**
 * `UNAVAILABLE`: FABLE refuses the work for now (builds paused by an operator); try again later.
 * `QUOTA_EXCEEDED`: a spend cap refused the request before any work (DESIGN.md section 10).
 */
export const ERROR_CODES = ['BAD_REQUEST', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT', 'UNAVAILABLE', 'INTERNAL', 'QUOTA_EXCEEDED'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** When a refused request may be tried again: in so many seconds, or once the quota resets (ISO 8601). */
export const retryHints = z.object({ retryAfterSeconds: z.int().min(1).optional(), resetsAt: z.iso.datetime().optional() });
export type RetryHints = z.output<typeof retryHints>;

export const errorBody = z.object({ code: z.enum(ERROR_CODES), message: z.string(), ...retryHints.shape });
export type ErrorBody = z.output<typeof errorBody>;

export const failureResponse = z.object({ success: z.literal(false), error: errorBody });
export type FailureResponse = z.output<typeof failureResponse>;

export type SuccessResponse<T extends object = object> = { readonly success: true } & T;
export type DirectResponse<T extends object = object> = SuccessResponse<T> | FailureResponse;
