/**
 * Direct-invoke events of DESIGN.md section 4 as schemas: the types callers build (`z.input`) and
 * handlers receive (`z.output`, defaults applied) come from the same definition as the check.
 */
import { z } from 'zod';
import { opaqueId, optional, text, uuid, withDefault } from './fields';
import { callerFields } from './caller';
import { BUILD_PHASES, BUILD_STATUSES, frameId, MAX_FRAME_BYTES } from './protocol';

/** Longest build request accepted; the full text goes to S3, so this bounds cost, not storage. */
export const MAX_BUILD_REQUEST_CHARS = 20_000;

export const buildKickoffStartEvent = z.object({
  action: z.literal('start'),
  payload: z.object({
    request: text.max(MAX_BUILD_REQUEST_CHARS),
    ...callerFields,
    conversationId: optional(opaqueId),
    connectionId: optional(opaqueId),
    /** A retried kickoff with the same key (per user) returns the same build instead of starting another. */
    idempotencyKey: optional(opaqueId),
  }),
});
/** Answered to the build's owner, or to an admin of its org. */
export const buildKickoffStatusEvent = z.object({ action: z.literal('status'), payload: z.object({ buildId: uuid, ...callerFields }) });
export const buildKickoffEvent = z.discriminatedUnion('action', [buildKickoffStartEvent, buildKickoffStatusEvent]);
export type BuildKickoffStartEvent = z.input<typeof buildKickoffStartEvent>;
export type BuildKickoffEvent = z.input<typeof buildKickoffEvent>;
export type BuildKickoffRequest = z.output<typeof buildKickoffEvent>;
export type StartBuildInput = z.output<typeof buildKickoffStartEvent>['payload'];

export const buildKickoffResponses = {
  start: z.object({ buildId: z.string(), status: z.enum(BUILD_STATUSES) }),
  status: z.object({
    build: z.object({
      buildId: z.string(),
      status: z.enum(BUILD_STATUSES),
      phase: z.enum(BUILD_PHASES).optional(),
      userId: z.string(),
      orgId: z.string(),
      createdAt: z.string(),
      updatedAt: z.string(),
      result: z.unknown().optional(),
      error: z.string().optional(),
    }),
  }),
};
/** A build as build-kickoff's `status` action reports it. */
export type BuildView = z.output<typeof buildKickoffResponses.status>['build'];

/** Input of the build pipeline execution (the spec itself stays in S3). */
export const pipelineInput = z.object({
  buildId: z.string(),
  userId: z.string(),
  orgId: z.string(),
  connectionId: z.string().optional(),
});
export type PipelineInput = z.output<typeof pipelineInput>;

/** What the pipeline sends at each step; `result` and `error` are whatever the step produced. */
export const updateBuildStatusEvent = z.object({
  buildId: uuid,
  status: z.enum(BUILD_STATUSES).exclude(['pending']),
  phase: optional(z.enum(BUILD_PHASES)),
  result: optional(z.unknown()),
  error: optional(z.unknown()),
});
/** No defaults: what the pipeline sends is what the handler checks (null, which JSON may carry, counts as absent). */
export type UpdateBuildStatusEvent = z.output<typeof updateBuildStatusEvent>;

/** No event (or `{}`) means migrate. */
export const dbInitEvent = withDefault(
  z.object({
    action: withDefault(z.enum(['migrate', 'check']), 'migrate'),
    /**
     * Throw instead of answering `{success:false}`. Terraform's aws_lambda_invocation fails the
     * apply only on a function error, so the deploy-time migrate sets this.
     */
    failOnError: withDefault(z.boolean(), false),
  }),
  { action: 'migrate', failOnError: false },
);
export type DbInitEvent = z.input<typeof dbInitEvent>;

/** What the router hands to chat (async invoke); requestId is always set so retries are idempotent. */
export const chatEvent = z.object({
  connectionId: opaqueId,
  userId: opaqueId,
  orgId: opaqueId,
  requestId: frameId,
  conversationId: frameId,
  content: text.max(MAX_FRAME_BYTES),
});
export type ChatEvent = z.output<typeof chatEvent>;
