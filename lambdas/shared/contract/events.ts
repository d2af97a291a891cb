/**
 * Direct-invoke events of DESIGN.md section 4 as schemas: the types callers build (`z.input`) and
 * handlers receive (`z.output`, defaults applied) come from the same definition as the check.
 */
import * as z from 'zod';
import { opaqueId, optional, text, uuid, withDefault } from './fields';
import { callerFields, callerIdentity } from './caller';
import { BUILD_PHASES, BUILD_STATUSES, frameId, MAX_FRAME_BYTES, MAX_REVIEW_REASON_CHARS, REVIEW_DECISIONS, sha256Hex } from './protocol';
import { toolBundleKey, toolName, toolSchema } from './tools';

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
/**
 * Who asks to review or cancel a build: the identity of the router's connection record. Absent
 * when an operator invokes build-kickoff directly (their IAM right to invoke it is the authority).
 */
export const buildKickoffReviewEvent = z.object({
  action: z.literal('review'),
  payload: z.object({
    buildId: uuid,
    decision: z.enum(REVIEW_DECISIONS),
    reason: optional(text.max(MAX_REVIEW_REASON_CHARS)),
    caller: optional(callerIdentity),
  }),
});
export const buildKickoffCancelEvent = z.object({ action: z.literal('cancel'), payload: z.object({ buildId: uuid, caller: optional(callerIdentity) }) });
export const buildKickoffEvent = z.discriminatedUnion('action', [buildKickoffStartEvent, buildKickoffStatusEvent, buildKickoffReviewEvent, buildKickoffCancelEvent]);
export type BuildKickoffReviewEvent = z.input<typeof buildKickoffReviewEvent>;
export type BuildKickoffCancelEvent = z.input<typeof buildKickoffCancelEvent>;
export type ReviewBuildInput = z.output<typeof buildKickoffReviewEvent>['payload'];
export type CancelBuildInput = z.output<typeof buildKickoffCancelEvent>['payload'];
export type BuildKickoffStartEvent = z.input<typeof buildKickoffStartEvent>;
export type BuildKickoffEvent = z.input<typeof buildKickoffEvent>;
export type BuildKickoffRequest = z.output<typeof buildKickoffEvent>;
export type StartBuildInput = z.output<typeof buildKickoffStartEvent>['payload'];

export const buildKickoffResponses = {
  start: z.object({ buildId: z.string(), status: z.enum(BUILD_STATUSES) }),
  /** The build's status after the decision (or after the cancel): what the router tells the client. */
  review: z.object({ buildId: z.string(), status: z.enum(BUILD_STATUSES) }),
  cancel: z.object({ buildId: z.string(), status: z.enum(BUILD_STATUSES) }),
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

/**
 * What the pipeline sends at each step; `result` and `error` are whatever the step produced.
 * `awaiting_approval` comes from the `.waitForTaskToken` task and carries its token, which only
 * build-kickoff's `review` ever uses.
 */
export const updateBuildStatusEvent = z.object({
  buildId: uuid,
  status: z.enum(BUILD_STATUSES).exclude(['pending']),
  phase: optional(z.enum(BUILD_PHASES)),
  result: optional(z.unknown()),
  error: optional(z.unknown()),
  taskToken: optional(z.string().min(1).max(1024)),
});
/** No defaults: what the pipeline sends is what the handler checks (null, which JSON may carry, counts as absent). */
export type UpdateBuildStatusEvent = z.output<typeof updateBuildStatusEvent>;

/** One tool of the OI output as the pipeline hands it over (the agent wrote it: checked, never trusted). */
export const builtTool = z.object({ toolName, s3Key: toolBundleKey, schema: toolSchema });
/** A tool as it was reviewed: its bundle named by the SHA-256 of the object's bytes. */
export const reviewedTool = builtTool.extend({ sha256: sha256Hex });
export type ReviewedTool = z.output<typeof reviewedTool>;

/**
 * The OI phase's output, handed to update-build-status once the phase succeeded: it hashes each
 * bundle as it is in S3 and records the result on the build (what a reviewer sees, and the only
 * bytes DeployTools may deploy).
 */
export const recordArtifactsEvent = z.object({
  buildId: uuid,
  artifacts: z.object({ tools: z.array(builtTool).min(1).max(20), summary: optional(z.string().max(4_000)) }),
});
export type RecordArtifactsEvent = z.input<typeof recordArtifactsEvent>;
export const recordArtifactsResponse = z.object({ tools: z.array(reviewedTool) });

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
