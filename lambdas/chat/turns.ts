import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/contract';
import { errorName } from '../shared/aws-errors';

export interface ConversationsTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** Conversations expire after this long without a new turn (DynamoDB TTL). */
export const CONVERSATION_TTL_SECONDS = 90 * 24 * 60 * 60;
/** Longer than Lambda's async retry window (6 h at most), so every retry finds its marker. */
export const REQUEST_MARKER_TTL_SECONDS = 24 * 60 * 60;

/*
 * Idempotency of the async hand-off (Lambda may deliver an event twice, and retries a failed one).
 *
 * Each request has a marker item `REQ#<requestId>` in its conversation's partition:
 *   in_progress (with a lease) -> storing (holding the finished turn) -> completed, or -> failed.
 * - Before streaming, an attempt claims the marker. A completed or failed marker makes any later
 *   delivery a no-op; an in_progress one is only taken over once its lease expired (that attempt
 *   crashed or timed out) or was released (it hit a transient error and threw so Lambda retries).
 * - When the reply is finished, one conditional write moves the marker to `storing` with the whole
 *   turn inside: that single-item write is the commit point. It only succeeds for the attempt that
 *   holds the lease, so two attempts can never both commit.
 * - The message items and the META item are then written with deterministic keys (a re-write is
 *   identical) and the marker completed. A crash in between is rolled forward by the next delivery,
 *   which finds `storing` and finishes the writes: the turn is stored exactly once, never half.
 *   (DynamoDB transactions would make this one call, but the write-ahead marker gives the same
 *   guarantee with single-item writes, which the local engine the tests use, dynalite, supports.)
 * Best-effort: a retry after a crash mid-stream streams the reply again, so that client may see a
 * partial reply followed by a full one; the stored conversation holds it once.
 */
export interface RequestClaim {
  readonly conversationId: string;
  readonly requestId: string;
  /** Unique per attempt (per invocation), so only the lease holder can commit, release or abandon. */
  readonly attemptId: string;
}

/** A finished exchange, as committed in the marker and then written as items. */
export interface CompletedTurn {
  readonly conversationId: string;
  readonly requestId: string;
  readonly userId: string;
  readonly orgId: string;
  readonly userText: string;
  readonly assistantText: string;
  readonly messageId: string;
  readonly receivedAt: string;
  readonly completedAt: string;
}

export type ClaimResult =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'duplicate' }
  /** A previous attempt committed this turn but did not finish writing it. */
  | { readonly kind: 'unfinished'; readonly turn: CompletedTurn };

const STATUS = { inProgress: 'in_progress', storing: 'storing', completed: 'completed', failed: 'failed' } as const;
const epochSeconds = (iso: string | Date) => Math.floor(new Date(iso).getTime() / 1000);
const isConditionFailure = (error: unknown) => errorName(error) === 'ConditionalCheckFailedException';

function markerKey(ids: { conversationId: string; requestId: string }) {
  return { PK: keys.conversation(ids.conversationId), SK: keys.request(ids.requestId) };
}

export async function claimRequest(
  table: ConversationsTable,
  claim: RequestClaim,
  now: Date,
  leaseUntil: Date,
): Promise<ClaimResult> {
  try {
    await table.dynamo.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...markerKey(claim),
          requestId: claim.requestId,
          attemptId: claim.attemptId,
          status: STATUS.inProgress,
          leaseUntil: leaseUntil.getTime(),
          claimedAt: now.toISOString(),
          ttl: epochSeconds(now) + REQUEST_MARKER_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(PK) OR (#status = :inProgress AND leaseUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inProgress': STATUS.inProgress, ':now': now.getTime() },
      }),
    );
    return { kind: 'claimed' };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const existing = await table.dynamo.send(
    new GetCommand({ TableName: table.tableName, Key: markerKey(claim), ConsistentRead: true }),
  );
  const marker = existing.Item;
  if (marker?.status === STATUS.storing && marker.turn) return { kind: 'unfinished', turn: marker.turn as CompletedTurn };
  return { kind: 'duplicate' };
}

/** Update the marker only while this attempt holds it; false when a successor took it over. */
async function updateHeldMarker(
  table: ConversationsTable,
  claim: RequestClaim,
  update: string,
  values: Record<string, unknown>,
  names: Record<string, string> = {},
): Promise<boolean> {
  try {
    await table.dynamo.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: markerKey(claim),
        UpdateExpression: update,
        ConditionExpression: 'attemptId = :attempt AND #status = :inProgress',
        ExpressionAttributeNames: { ...names, '#status': 'status' },
        ExpressionAttributeValues: { ...values, ':attempt': claim.attemptId, ':inProgress': STATUS.inProgress },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Give the request back so Lambda's retry of this event can claim it at once. */
export async function releaseRequest(table: ConversationsTable, claim: RequestClaim): Promise<void> {
  await updateHeldMarker(table, claim, 'SET leaseUntil = :released', { ':released': 0 });
}

/** End the request without a stored reply (the client was told, or is gone); later deliveries do nothing. */
export async function abandonRequest(table: ConversationsTable, claim: RequestClaim, reason: string): Promise<void> {
  await updateHeldMarker(table, claim, 'SET #status = :failed, reason = :reason REMOVE leaseUntil', {
    ':failed': STATUS.failed,
    ':reason': reason,
  });
}

/** The commit point: the finished turn goes into the marker. False when this attempt lost its lease. */
export function commitTurn(table: ConversationsTable, claim: RequestClaim, turn: CompletedTurn): Promise<boolean> {
  return updateHeldMarker(
    table,
    claim,
    'SET #status = :storing, #turn = :turn REMOVE leaseUntil',
    { ':storing': STATUS.storing, ':turn': turn },
    { '#turn': 'turn' },
  );
}

export type WriteResult = 'stored' | 'forbidden';

/**
 * Write a committed turn: META (refusing another user's conversation), both messages, then the
 * marker. Every write is idempotent, so finishing an interrupted write repeats it harmlessly.
 */
export async function writeTurn(table: ConversationsTable, turn: CompletedTurn): Promise<WriteResult> {
  const pk = keys.conversation(turn.conversationId);
  const ttl = epochSeconds(turn.completedAt) + CONVERSATION_TTL_SECONDS;
  try {
    await table.dynamo.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { PK: pk, SK: keys.meta },
        UpdateExpression:
          'SET userId = :userId, orgId = :orgId, conversationId = :conversationId, GSI1PK = :gsiPk, GSI1SK = :gsiSk, ' +
          'updatedAt = :now, createdAt = if_not_exists(createdAt, :now), #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(PK) OR userId = :userId',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':userId': turn.userId,
          ':orgId': turn.orgId,
          ':conversationId': turn.conversationId,
          ':gsiPk': keys.user(turn.userId),
          ':gsiSk': keys.conversation(turn.completedAt),
          ':now': turn.completedAt,
          ':ttl': ttl,
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    await finishMarker(table, turn, STATUS.failed);
    return 'forbidden';
  }
  const message = (role: 'user' | 'assistant', content: string, at: string, seq: number) => ({
    PK: pk,
    SK: keys.message(at, seq),
    role,
    content,
    requestId: turn.requestId,
    userId: turn.userId,
    createdAt: at,
    ttl,
    ...(role === 'assistant' ? { messageId: turn.messageId } : {}),
  });
  for (const item of [
    message('user', turn.userText, turn.receivedAt, 0),
    message('assistant', turn.assistantText, turn.completedAt, 1),
  ]) {
    // Re-writing this request's own item is fine; overwriting another request's never is.
    await table.dynamo.send(
      new PutCommand({
        TableName: table.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(SK) OR requestId = :requestId',
        ExpressionAttributeValues: { ':requestId': turn.requestId },
      }),
    );
  }
  await finishMarker(table, turn, STATUS.completed);
  return 'stored';
}

async function finishMarker(table: ConversationsTable, turn: CompletedTurn, status: string): Promise<void> {
  await table.dynamo.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: markerKey(turn),
      UpdateExpression: 'SET #status = :status, messageId = :messageId REMOVE #turn',
      ConditionExpression: '#status = :storing',
      ExpressionAttributeNames: { '#status': 'status', '#turn': 'turn' },
      ExpressionAttributeValues: { ':status': status, ':messageId': turn.messageId, ':storing': STATUS.storing },
    }),
  ).catch((error: unknown) => {
    // Already finished by a concurrent roll-forward: same outcome.
    if (!isConditionFailure(error)) throw error;
  });
}
