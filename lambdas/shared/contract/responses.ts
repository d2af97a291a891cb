/** Direct-invoke response shape of DESIGN.md section 4 (every handler but the WebSocket ones). */
export const ERROR_CODES = ['BAD_REQUEST', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT', 'INTERNAL'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
}

export type SuccessResponse<T extends object = object> = { readonly success: true } & T;
export interface FailureResponse {
  readonly success: false;
  readonly error: ErrorBody;
}
export type DirectResponse<T extends object = object> = SuccessResponse<T> | FailureResponse;
