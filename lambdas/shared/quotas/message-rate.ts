import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, quotaKeys, type QuotaLimits } from '../contract';
import { conditionFailedAt } from '../transactions';
import type { QuotaTable } from './table';

export type MessageAdmission = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number };

/** Attempts when the two updates race another request's (each race means that one went through). */
const MAX_ATTEMPTS = 5;
/** An idle bucket is full again, so its item may go; kept a day past that for operators to read. */
const IDLE_KEEP_SECONDS = 24 * 60 * 60;

/**
 * Take one message from the user's bucket (`messagesPerMinute` refill, `messageBurst` size), as a
 * generic cell rate algorithm: the item keeps `tat`, the epoch ms at which the bucket would be
 * full again. A message at `now` is admitted when `tat <= now + (burst - 1) * interval`, and moves
 * `tat` to `max(tat, now) + interval`. DynamoDB has no max(), so that is two conditional updates,
 * one per branch; each is atomic, so parallel messages never admit more than the bucket holds.
 * A refused message writes nothing.
 */
export async function takeMessage(
  table: QuotaTable,
  userId: string,
  limits: Pick<QuotaLimits, 'messagesPerMinute' | 'messageBurst'>,
  now: Date,
): Promise<MessageAdmission> {
  const intervalMs = 60_000 / limits.messagesPerMinute;
  const toleranceMs = (limits.messageBurst - 1) * intervalMs;
  const at = now.getTime();
  const Key = { PK: keys.user(userId), SK: quotaKeys.messageRate };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const full = await update(table, {
      Key,
      UpdateExpression: 'SET tat = :next, #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(tat) OR tat <= :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': at, ':next': at + intervalMs, ':ttl': expiry(at + intervalMs) },
    });
    if (full.admitted) return { admitted: true };
    const draining = await update(table, {
      Key,
      UpdateExpression: 'SET tat = tat + :interval, #ttl = :ttl',
      ConditionExpression: 'tat > :now AND tat <= :latest',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': at, ':latest': at + toleranceMs, ':interval': intervalMs, ':ttl': expiry(at + toleranceMs + intervalMs) },
    });
    if (draining.admitted) return { admitted: true };
    // The bucket is empty: the next message fits once tat - tolerance has passed.
    if (draining.tat !== undefined && draining.tat > at + toleranceMs) {
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((draining.tat - toleranceMs - at) / 1000)) };
    }
    // Otherwise tat fell to <= now between the two updates: the bucket refilled meanwhile; try again.
  }
  throw new Error(`Message bucket of ${userId} kept changing during ${MAX_ATTEMPTS} attempts`);
}

const expiry = (tatMs: number) => Math.ceil(tatMs / 1000) + IDLE_KEEP_SECONDS;

type Attempt = { readonly admitted: true } | { readonly admitted: false; readonly tat?: number };

async function update(
  table: QuotaTable,
  input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
): Promise<Attempt> {
  try {
    await table.dynamo.send(new UpdateCommand({ TableName: table.tableName, ...input, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
    return { admitted: true };
  } catch (error) {
    if (!conditionFailedAt(error, 0)) throw error;
    // The item as it was, in DynamoDB's own JSON (the document client does not convert error fields).
    const tat = (error as { Item?: { tat?: { N?: string } } }).Item?.tat?.N;
    return { admitted: false, tat: tat === undefined ? undefined : Number(tat) };
  }
}
