import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { errorName } from '../shared/aws-errors';
import { keys } from '../shared/contract';
import { completeRequest, type RequestRecordKey } from './request-records';

export interface ConversationsTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** Conversations expire after this long without a new turn (DynamoDB TTL). */
export const CONVERSATION_TTL_SECONDS = 90 * 24 * 60 * 60;

/** A finished exchange: the user's message and the reply, stored together. */
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

/**
 * `stored`, or why nothing was: the conversation belongs to another user (`forbidden`), or another
 * delivery of the same request finished it first (`superseded`).
 */
export type StoreResult = 'stored' | 'forbidden' | 'superseded';

const epochSeconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

/**
 * Store a turn with one transaction: the conversation's META (refused when another user owns it),
 * both messages, and the completion of the request's record. All of it is written or none of it.
 */
export async function storeTurn(table: ConversationsTable, record: RequestRecordKey, turn: CompletedTurn): Promise<StoreResult> {
  const pk = keys.conversation(turn.conversationId);
  const ttl = epochSeconds(turn.completedAt) + CONVERSATION_TTL_SECONDS;
  const message = (role: 'user' | 'assistant', content: string, at: string, seq: number) => ({
    Put: {
      TableName: table.tableName,
      Item: {
        PK: pk,
        SK: keys.message(at, seq),
        role,
        content,
        requestId: turn.requestId,
        userId: turn.userId,
        createdAt: at,
        ttl,
        ...(role === 'assistant' ? { messageId: turn.messageId } : {}),
      },
      // A message is never overwritten, whichever request wrote it.
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  });
  const items = [
    {
      Update: {
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
      },
    },
    message('user', turn.userText, turn.receivedAt, 0),
    message('assistant', turn.assistantText, turn.completedAt, 1),
    completeRequest(table.tableName, record, 'completed'),
  ];
  try {
    await table.dynamo.send(new TransactWriteCommand({ TransactItems: items }));
    return 'stored';
  } catch (error) {
    // Cancellation reasons come in the order of the items: META first, the request record last.
    const reasons =
      errorName(error) === 'TransactionCanceledException' ? ((error as TransactionCanceledException).CancellationReasons ?? []) : [];
    const failed = (index: number) => reasons[index]?.Code === 'ConditionalCheckFailed';
    if (failed(0)) return 'forbidden';
    if (failed(items.length - 1)) return 'superseded';
    throw error;
  }
}
