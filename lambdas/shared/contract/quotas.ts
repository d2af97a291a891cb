/**
 * Spend caps (DESIGN.md section 10): the limits a stage sets (`StageConfig.quotas`), the operator's
 * override item, and the key layout of the quotas table (section 5). Pure data and schemas: the
 * stack hands the stage's limits to handlers as JSON (`QUOTA_LIMITS`), the handlers check it here.
 */
import * as z from 'zod';

const count = z.int().min(0);
const atLeastOne = z.int().min(1);

/** Every limit, per stage; an override item may change any of them. */
export const quotaLimits = z.strictObject({
  /** Messages a user may send per minute, on average (the bucket's refill rate). */
  messagesPerMinute: atLeastOne,
  /** Messages a user may send at once after a quiet spell (the bucket's size). */
  messageBurst: atLeastOne,
  /** Model tokens (input + output, router and chat) per user per UTC day; 0 refuses every chat. */
  dailyTokensPerUser: count,
  dailyTokensPerOrg: count,
  /** Builds of one org in pending, running, awaiting_approval or deploying at once. */
  concurrentBuildsPerOrg: count,
  buildsPerUserPerDay: count,
});
export type QuotaLimits = z.output<typeof quotaLimits>;

/**
 * An operator's `LIMITS` item (PK `USER#<userId>` or `ORG#<orgId>`): any subset of the limits.
 * On an org it applies to the org and is the default of its members; on a user, to that user.
 */
export const quotaOverride = quotaLimits.partial();
export type QuotaOverride = z.output<typeof quotaOverride>;

/** Limits that belong to one user (a user's override wins over the org's, which wins over the stage's). */
export const USER_LIMITS = ['messagesPerMinute', 'messageBurst', 'dailyTokensPerUser', 'buildsPerUserPerDay'] as const;
/** Limits that belong to the org as a whole (only the org's override changes them). */
export const ORG_LIMITS = ['dailyTokensPerOrg', 'concurrentBuildsPerOrg'] as const;

/** Sort keys of the quotas table; the partition is `keys.user(...)` or `keys.org(...)`. */
export const quotaKeys = {
  /** A user's message bucket. */
  messageRate: 'RATE#messages',
  /** A user's or an org's counters of one UTC day (`yyyy-mm-dd`): `tokens`, `builds`. */
  usage: (day: string) => `USAGE#${day}`,
  /** The operator's override. */
  limits: 'LIMITS',
  /** An org's unfinished builds: `active`, a map of build id to the epoch second its slot lapses. */
  buildSlots: 'BUILDS#active',
  /** Marks one chat request's model usage as recorded (per conversation and request). */
  usageRecorded: (conversationId: string, requestId: string) => `RECORDED#${conversationId}#${requestId}`,
} as const;
