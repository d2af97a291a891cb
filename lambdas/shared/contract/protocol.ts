/** WebSocket protocol of DESIGN.md section 7. */
import type { ErrorCode } from './responses';

export const MAX_FRAME_BYTES = 32 * 1024;

/** Client-chosen ids (requestId, conversationId): they end up inside table keys, so no `#` or spaces. */
export const FRAME_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** What the router decides a `message` frame asks for (sent back in `ack.intent`). */
export const INTENTS = ['CHAT', 'BUILD', 'MEMORY'] as const;
export type Intent = (typeof INTENTS)[number];

/** `error` frame codes: the direct-invoke codes plus the ones only a live connection sees. */
export type FrameErrorCode = ErrorCode | 'THROTTLED' | 'UNAVAILABLE';

export type ClientFrame =
  | { readonly type: 'ping' }
  | { readonly type: 'message'; readonly content: string; readonly conversationId?: string; readonly requestId?: string };

export interface ServerPayloads {
  pong: Record<string, never>;
  ack: { readonly intent?: string; readonly buildId?: string; readonly memoryId?: string };
  chat_chunk: { readonly text: string };
  chat_complete: { readonly messageId: string; readonly text: string };
  tool_use: { readonly name: string };
  tool_result: { readonly name: string; readonly ok: boolean };
  build_status: { readonly buildId: string; readonly status: BuildStatus; readonly phase?: BuildPhase };
  error: { readonly code: string; readonly message: string };
}

export type ServerFrameType = keyof ServerPayloads;

export interface ServerFrame<T extends ServerFrameType = ServerFrameType> {
  readonly type: T;
  readonly requestId?: string;
  readonly conversationId?: string;
  readonly payload: ServerPayloads[T];
}

export const BUILD_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
export const BUILD_PHASES = ['core', 'oi', 'deploy'] as const;
export type BuildPhase = (typeof BUILD_PHASES)[number];
