import { auditRef, type RefusalReason, type RetryHints } from '../contract';
import type { AuditTrail } from '../audit';
import { writeAuditEvent } from '../audit-writer';
import { HandlerError } from '../responses';

/** Which cap refused: the `reason` of the `quota_refused` event. */
export type RefusalCause = 'message_rate' | 'user_tokens' | 'org_tokens' | 'user_builds' | 'org_builds';

/** What was refused: the `action` of the event. */
export type RefusedAction = 'message' | 'chat' | 'build.start';

export interface Refusal {
  readonly code: RefusalReason;
  readonly cause: RefusalCause;
  /** Written for the person refused: which limit, and when to try again. */
  readonly message: string;
  readonly hints: RetryHints;
}

/**
 * Counts a refusal in the `Refusals` metric (contract/metrics.ts: dimension Reason, services router,
 * chat and build-kickoff). The handler edge's Powertools Metrics provides it; where it is not
 * given, refusals are still audited but not counted.
 */
export type RefusalCounter = (reason: RefusalReason) => void;

export interface RefusalRecorder {
  readonly audit: AuditTrail;
  readonly countRefusal?: RefusalCounter;
}

/**
 * Record a refusal: a `quota_refused` event about the user (the org's caps name the org as the
 * target), then the metric. A refusal that cannot be recorded throws, so it is retried or reported
 * as a failure, never passed silently.
 */
export async function recordRefusal(
  recorder: RefusalRecorder,
  who: { readonly userId: string; readonly orgId: string },
  action: RefusedAction,
  refusal: Refusal,
): Promise<void> {
  const orgCap = refusal.cause === 'org_tokens' || refusal.cause === 'org_builds';
  await writeAuditEvent(recorder.audit, {
    type: 'quota_refused',
    orgId: who.orgId,
    userId: who.userId,
    actor: auditRef('user', who.userId),
    target: orgCap ? auditRef('org', who.orgId) : auditRef('user', who.userId),
    outcome: 'denied',
    detail: { action, reason: refusal.cause },
  });
  recorder.countRefusal?.(refusal.code);
}

/** The refusal as the error a direct-invoke handler answers with (`respond` turns it into the failure shape). */
export function refusalError(refusal: Refusal): HandlerError {
  return new HandlerError('QUOTA_EXCEEDED', refusal.message, refusal.hints);
}

const formatTokens = (n: number) => n.toLocaleString('en-US');

/** The refusal of a spent token budget. */
export function tokenRefusal(scope: 'user' | 'org', limit: number, resetsAt: string): Refusal {
  const whose = scope === 'user' ? 'You have' : 'Your organization has';
  return {
    code: 'QUOTA_EXCEEDED',
    cause: scope === 'user' ? 'user_tokens' : 'org_tokens',
    message: `${whose} used today's ${formatTokens(limit)} model tokens; chat is available again at ${resetsAt}.`,
    hints: { resetsAt },
  };
}

export function messageRateRefusal(messagesPerMinute: number, retryAfterSeconds: number): Refusal {
  return {
    code: 'RATE_LIMITED',
    cause: 'message_rate',
    message: `You are sending messages faster than ${messagesPerMinute} a minute; try again in ${retryAfterSeconds} s.`,
    hints: { retryAfterSeconds },
  };
}

export function userBuildsRefusal(limit: number, resetsAt: string): Refusal {
  return {
    code: 'QUOTA_EXCEEDED',
    cause: 'user_builds',
    message: `You have started today's ${limit} builds; you can start another at ${resetsAt}.`,
    hints: { resetsAt },
  };
}

export function orgBuildsRefusal(limit: number): Refusal {
  return {
    code: 'QUOTA_EXCEEDED',
    cause: 'org_builds',
    message: `Your organization already has ${limit} builds under way; start this one when one of them finishes.`,
    hints: {},
  };
}
