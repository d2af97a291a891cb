import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { auditEvent, auditRef, keys, type AuditEvent, type AuditRecord, type AuditReferenceKind } from './contract';
import type { TransactItem } from './transactions';

/** Where a Lambda writes audit events (`AUDIT_TABLE`). */
export interface AuditTrail {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface AuditTiming {
  /** When the event happened; now by default. */
  readonly at?: Date | string;
  /**
   * Names the event for good: the same key and time give the same item, so the write of an event
   * that a crashed or retried run already wrote finds it instead of adding a second one.
   */
  readonly idempotencyKey?: string;
}

/** ULID randomness drawn from a hash of the key, so the same key always gives the same id. */
function seededRandom(key: string): () => number {
  const bytes = createHash('sha256').update(`fable-audit\u0000${key}`).digest();
  let next = 0;
  return () => bytes[next++ % bytes.length] / 256;
}

/**
 * The stored item of an event. The event is checked against the contract here, so an event that
 * would carry anything but ids, codes and counts is an error before anything is written.
 */
export function auditItem(event: AuditEvent, timing: AuditTiming = {}): AuditRecord {
  const checked = auditEvent.parse(event);
  const at = new Date(timing.at ?? Date.now());
  const iso = at.toISOString();
  const eventId = ulid(at.getTime(), timing.idempotencyKey === undefined ? undefined : seededRandom(timing.idempotencyKey));
  return {
    PK: keys.org(checked.orgId),
    SK: keys.event(iso, eventId),
    ...(checked.userId !== undefined ? { GSI1PK: keys.user(checked.userId), GSI1SK: keys.eventTime(iso) } : {}),
    eventId,
    at: iso,
    ...checked,
  };
}

/** The event as an item of a transaction: written with the change it records, or not at all. Never overwrites. */
export function auditPut(trail: AuditTrail, event: AuditEvent, timing: AuditTiming = {}): TransactItem {
  return { Put: { TableName: trail.tableName, Item: auditItem(event, timing), ConditionExpression: 'attribute_not_exists(PK)' } };
}

/** A refused attempt: who tried, on what, and what they tried to do (a code such as `memory.delete`). */
export interface RefusedAttempt {
  readonly orgId: string;
  readonly userId?: string;
  readonly actor: readonly [AuditReferenceKind, string];
  readonly target: readonly [AuditReferenceKind, string];
  readonly action: string;
}

/** The `forbidden` event of a refused attempt. */
export function forbiddenEvent(attempt: RefusedAttempt): AuditEvent {
  return {
    type: 'forbidden',
    orgId: attempt.orgId,
    ...(attempt.userId !== undefined ? { userId: attempt.userId } : {}),
    actor: auditRef(...attempt.actor),
    target: auditRef(...attempt.target),
    outcome: 'denied',
    detail: { action: attempt.action },
  };
}
