/**
 * Audit events (DESIGN.md sections 5 and 9): one append-only item per security-relevant action.
 * The schema is what keeps message content, tokens and secrets out of the trail: every field is
 * an enum, a bounded id, a short lowercase code or a count. There is no free-text field to put
 * them in, and a value that does not fit is refused before anything is written.
 */
import * as z from 'zod';
import { opaqueId, uuid } from './fields';
import { BUILD_PHASES, BUILD_STATUSES, dataCounts, frameId } from './protocol';
import { TOOL_NAME_PATTERN } from './tools';

export const AUDIT_EVENT_TYPES = [
  'connect',
  'connect_refused',
  'build_started',
  'build_approved',
  'build_rejected',
  'build_cancelled',
  'build_completed',
  'build_failed',
  'tool_deployed',
  'tool_undeployed',
  'tool_rolled_back',
  'memory_deleted',
  'data_exported',
  'data_erased',
  'quota_refused',
  'forbidden',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** A machine code such as `memory.delete` or `pipeline_not_started`: lowercase letters, `.` and `_`, no digits. */
const code = z.string().regex(/^[a-z][a-z_.]{0,47}$/, { error: 'must be a lowercase code (letters, "_" and ".")' });

/** What an actor or target reference may name, and the id each kind takes. */
const REFERENCE_IDS = {
  user: opaqueId,
  org: opaqueId,
  /** A FABLE component acting on its own (the build pipeline, a Lambda). */
  service: z.string().regex(/^[a-z][a-z-]{1,47}$/),
  connection: opaqueId,
  conversation: frameId,
  build: uuid,
  tool: z.string().regex(TOOL_NAME_PATTERN),
  memory: uuid,
} as const;
export type AuditReferenceKind = keyof typeof REFERENCE_IDS;

/** `<kind>:<id>`, e.g. `user:3f1c...`, `tool:weather`, `service:build-pipeline`. */
export const auditReference = z.string().superRefine((value, ctx) => {
  const separator = value.indexOf(':');
  const kind = value.slice(0, separator) as AuditReferenceKind;
  const id = value.slice(separator + 1);
  if (separator < 0 || !Object.hasOwn(REFERENCE_IDS, kind) || !REFERENCE_IDS[kind].safeParse(id).success) {
    ctx.addIssue({ code: 'custom', message: `must be <kind>:<id> with kind one of ${Object.keys(REFERENCE_IDS).join(', ')}` });
  }
});

/** Build a reference; the event schema checks it when the event is written. */
export const auditRef = (kind: AuditReferenceKind, id: string) => `${kind}:${id}`;

/** Ids, codes and counts only: a key that is not listed here is refused. */
export const auditDetail = z.strictObject({
  /** The data request (export/erase) an event belongs to. */
  requestId: frameId.optional(),
  /** What was attempted (`forbidden`), e.g. `memory.delete`. */
  action: code.optional(),
  /** Why it was refused or failed, e.g. `not_owner`, `pipeline_not_started`. */
  reason: code.optional(),
  status: z.enum(BUILD_STATUSES).optional(),
  phase: z.enum(BUILD_PHASES).optional(),
  version: z.int().min(1).optional(),
  /** A rollback's starting point: the tool version that was live before (`version` is the one made live). */
  fromVersion: z.int().min(1).optional(),
  counts: dataCounts.optional(),
});
export type AuditDetail = z.output<typeof auditDetail>;

/** One event as a writer gives it; the writer adds its time and id. */
export const auditEvent = z.strictObject({
  type: z.enum(AUDIT_EVENT_TYPES),
  /** The org whose trail holds the event (the table's partition). */
  orgId: opaqueId,
  /** The user the event is about (GSI1), when there is one. */
  userId: opaqueId.optional(),
  /** Who acted: `user:`, `org:` or `service:`. */
  actor: auditReference,
  /** What was acted on. */
  target: auditReference,
  outcome: z.enum(AUDIT_OUTCOMES),
  detail: auditDetail.optional(),
});
export type AuditEvent = z.input<typeof auditEvent>;

/** An event as stored in the audit table (`PK = ORG#<orgId>`, `SK = EVENT#<iso-time>#<ulid>`, GSI1 by user). */
export const auditRecord = auditEvent.extend({
  PK: z.string(),
  SK: z.string(),
  GSI1PK: z.string().optional(),
  GSI1SK: z.string().optional(),
  /** The ULID of the sort key. */
  eventId: z.string(),
  /** ISO 8601, the sort key's time. */
  at: z.string(),
});
export type AuditRecord = z.output<typeof auditRecord>;
