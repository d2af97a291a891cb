import type { ContentBlock, Message } from '@aws-sdk/client-bedrock-runtime';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/contract';
import type { ConversationsTable } from './turns';

/** Turns of context sent with each reply: enough for continuity, bounded in tokens and read cost. */
export const HISTORY_MESSAGES = 20;

export interface StoredMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/** Who owns a conversation (its META item's userId); undefined for a conversation not stored yet. */
export async function conversationOwner(table: ConversationsTable, conversationId: string): Promise<string | undefined> {
  const result = await table.dynamo.send(
    new GetCommand({
      TableName: table.tableName,
      Key: { PK: keys.conversation(conversationId), SK: keys.meta },
      ConsistentRead: true,
      ProjectionExpression: 'userId',
    }),
  );
  return result.Item?.userId as string | undefined;
}

/** The newest messages of a conversation, oldest first (one Query, newest-first with a Limit, reversed). */
export async function recentMessages(
  table: ConversationsTable,
  conversationId: string,
  limit = HISTORY_MESSAGES,
): Promise<StoredMessage[]> {
  const result = await table.dynamo.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :message)',
      ExpressionAttributeValues: { ':pk': keys.conversation(conversationId), ':message': 'MSG#' },
      ExpressionAttributeNames: { '#role': 'role' },
      ProjectionExpression: '#role, content',
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (result.Items ?? []).reverse().map((item) => ({ role: item.role, content: item.content }) as StoredMessage);
}

/**
 * Bedrock's message rules: the list starts with a user message, roles alternate and no text
 * block is blank. History cut by the Limit can break them, so it is normalized here.
 */
export function toModelMessages(history: readonly StoredMessage[], userText: string): Message[] {
  const messages: { role: 'user' | 'assistant'; content: ContentBlock[] }[] = [];
  for (const { role, content } of [...history, { role: 'user' as const, content: userText }]) {
    if ((role !== 'user' && role !== 'assistant') || typeof content !== 'string' || content.trim() === '') continue;
    if (messages.length === 0 && role === 'assistant') continue;
    const last = messages[messages.length - 1];
    if (last?.role === role) last.content.push({ text: content });
    else messages.push({ role, content: [{ text: content }] });
  }
  return messages;
}
