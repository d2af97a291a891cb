import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from './contract';
import { auditPut, forbiddenEvent, type AuditTiming, type AuditTrail, type RefusedAttempt } from './audit';
import { forbidden } from './responses';
import { conditionFailedAt } from './transactions';

/**
 * Append one event with a conditional put (an existing item is never overwritten). With an
 * idempotency key, an item already there is this same event written before: `exists`.
 * A failed write throws, so the caller's action fails with it and its retry writes the event.
 */
export async function writeAuditEvent(trail: AuditTrail, event: AuditEvent, timing: AuditTiming = {}): Promise<'written' | 'exists'> {
  const put = auditPut(trail, event, timing).Put!;
  try {
    await trail.dynamo.send(new PutCommand(put));
    return 'written';
  } catch (error) {
    if (timing.idempotencyKey !== undefined && conditionFailedAt(error, 0)) return 'exists';
    throw error;
  }
}

/**
 * Refuse an attempt: record it, then answer FORBIDDEN with `message`. A refusal changes nothing,
 * so when the record cannot be written the error is thrown instead and the caller's retry refuses again.
 */
export async function refuse(trail: AuditTrail, attempt: RefusedAttempt, message: string): Promise<never> {
  await writeAuditEvent(trail, forbiddenEvent(attempt));
  throw forbidden(message);
}
