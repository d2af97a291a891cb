/** WebSocket protocol of DESIGN.md section 7. */
import * as z from 'zod';
import { optional, text, uuid } from './fields';
import { ERROR_CODES, retryHints } from './responses';

export const MAX_FRAME_BYTES = 32 * 1024;

/** Client-chosen ids (requestId, conversationId): they end up inside table keys, so no `#` or spaces. */
export const FRAME_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const frameId = z.string().regex(FRAME_ID_PATTERN, { error: 'must be 1-64 letters, digits, "_" or "-"' });

/** What the router decides a `message` frame asks for (sent back in `ack.intent`). */
export const INTENTS = ['CHAT', 'BUILD', 'MEMORY'] as const;
export type Intent = (typeof INTENTS)[number];

/**
 * `error` frame codes: the direct-invoke codes plus the ones only a live connection sees
 * (`UNAUTHORIZED`: the connection's sign-in expired; reconnect with a fresh token; `RATE_LIMITED`:
 * the user's message rate is used up, `retryAfterSeconds` says when the next one is accepted).
 */
export const FRAME_ERROR_CODES = [...ERROR_CODES, 'UNAUTHORIZED', 'THROTTLED', 'RATE_LIMITED'] as const;
export type FrameErrorCode = (typeof FRAME_ERROR_CODES)[number];

/**
 * A build's statuses (DESIGN.md section 5), forward only: `pending -> running -> awaiting_approval
 * -> deploying -> completed` (`running -> deploying` when a stage needs no approval), and from any
 * unfinished status to `failed`, `rejected` or `cancelled`.
 */
export const BUILD_STATUSES = ['pending', 'running', 'awaiting_approval', 'deploying', 'completed', 'failed', 'rejected', 'cancelled'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
/** The statuses a build ends in: nothing moves it on from one of these. */
export const FINAL_BUILD_STATUSES = ['completed', 'failed', 'rejected', 'cancelled'] as const satisfies readonly BuildStatus[];
export type FinalBuildStatus = (typeof FINAL_BUILD_STATUSES)[number];
/** Whether a status ends its build (nothing moves it on; its org's build slot is given back). */
export const isFinalBuildStatus = (status: string): status is FinalBuildStatus => (FINAL_BUILD_STATUSES as readonly string[]).includes(status);
/** The statuses a build is still under way in: those a cancel or a failure may leave. */
export const UNFINISHED_BUILD_STATUSES: readonly BuildStatus[] = BUILD_STATUSES.filter((status) => !isFinalBuildStatus(status));
/** What a person decides about a build's artifacts (`review_build`). */
export const REVIEW_DECISIONS = ['approve', 'reject'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
/** A reviewer's reason, kept on the build (never in the audit trail, which holds no free text). */
export const MAX_REVIEW_REASON_CHARS = 1_000;
/** A bundle's SHA-256, lowercase hex: what a reviewer approves and what may be deployed. */
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a SHA-256 as 64 lowercase hex digits' });
export const BUILD_PHASES = ['core', 'oi', 'deploy'] as const;
export type BuildPhase = (typeof BUILD_PHASES)[number];

/** What a user may ask of their own data (DESIGN.md section 9): a copy of it, or its erasure. */
export const DATA_ACTIONS = ['export', 'erase'] as const;
export type DataAction = (typeof DATA_ACTIONS)[number];
/** What an export found or an erase removed, by kind (each count is a number of items). */
export const DATA_COUNT_NAMES = [
  'memories',
  'conversations',
  'messages',
  'requestRecords',
  'connections',
  'builds',
  'buildObjects',
  'exports',
  'tools',
  'auditEvents',
] as const;
export type DataCountName = (typeof DATA_COUNT_NAMES)[number];
export const dataCounts = z.partialRecord(z.enum(DATA_COUNT_NAMES), z.int().min(0));
export type DataCounts = z.output<typeof dataCounts>;

/** A client frame (JSON text, at most MAX_FRAME_BYTES); fields beyond these are ignored. */
export const clientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  z.object({
    type: z.literal('message'),
    content: text,
    conversationId: optional(frameId),
    requestId: optional(frameId),
  }),
  /** The caller's own data only: the identity comes from the connection, never from the frame. */
  z.object({ type: z.literal('data_request'), action: z.enum(DATA_ACTIONS), requestId: optional(frameId) }),
  /** The build's owner (or an admin of its org) approves or rejects the exact artifacts of a `build_review`. */
  z.object({
    type: z.literal('review_build'),
    buildId: uuid,
    decision: z.enum(REVIEW_DECISIONS),
    reason: optional(text.max(MAX_REVIEW_REASON_CHARS)),
    requestId: optional(frameId),
  }),
  /** Stop a build (owner or org admin); cancelling a finished build changes nothing. */
  z.object({ type: z.literal('cancel_build'), buildId: uuid, requestId: optional(frameId) }),
]);
export type ClientFrame = z.output<typeof clientFrame>;

/** The payload of each server frame type. */
export const serverPayloads = {
  pong: z.object({}),
  ack: z.object({ intent: z.enum(INTENTS), buildId: z.string().optional(), memoryId: z.string().optional() }),
  chat_chunk: z.object({ text: z.string() }),
  chat_complete: z.object({ messageId: z.string(), text: z.string() }),
  tool_use: z.object({ name: z.string() }),
  tool_result: z.object({ name: z.string(), ok: z.boolean() }),
  build_status: z.object({ buildId: z.string(), status: z.enum(BUILD_STATUSES), phase: z.enum(BUILD_PHASES).optional() }),
  /** What a build would deploy, each bundle by the SHA-256 of its bytes: answer with `review_build`. */
  build_review: z.object({
    buildId: z.string(),
    tools: z.array(z.object({ toolName: z.string(), sha256: z.string(), description: z.string(), inputSchema: z.record(z.string(), z.unknown()) })),
    summary: z.string(),
  }),
  /** `url`: a pre-signed GET of the export document; `counts`: what was exported or erased. */
  data_ready: z.object({ action: z.enum(DATA_ACTIONS), url: z.string().optional(), counts: dataCounts.optional() }),
  error: z.object({ code: z.enum(FRAME_ERROR_CODES), message: z.string(), ...retryHints.shape }),
};
export type ServerPayloads = { [T in keyof typeof serverPayloads]: z.output<(typeof serverPayloads)[T]> };
export type ServerFrameType = keyof ServerPayloads;

/** Every server frame: `{type, requestId?, conversationId?, payload}`, carrying the ids of the frame it answers. */
export interface ServerFrame<T extends ServerFrameType = ServerFrameType> {
  readonly type: T;
  readonly requestId?: string;
  readonly conversationId?: string;
  readonly payload: ServerPayloads[T];
}
