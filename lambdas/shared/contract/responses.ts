/** Direct-invoke response shape of DESIGN.md section 4 (every handler but the WebSocket ones). */
import { z } from 'zod';

/** `UNAVAILABLE`: FABLE refuses the work for now (builds paused by an operator); try again later. */
export const ERROR_CODES = ['BAD_REQUEST', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT', 'UNAVAILABLE', 'INTERNAL'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorBody = z.object({ code: z.enum(ERROR_CODES), message: z.string() });
export type ErrorBody = z.output<typeof errorBody>;

export const failureResponse = z.object({ success: z.literal(false), error: errorBody });
export type FailureResponse = z.output<typeof failureResponse>;

export type SuccessResponse<T extends object = object> = { readonly success: true } & T;
export type DirectResponse<T extends object = object> = SuccessResponse<T> | FailureResponse;
