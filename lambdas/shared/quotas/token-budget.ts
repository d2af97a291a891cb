import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { keys, quotaKeys, type QuotaLimits } from '../contract';
import { conditionFailedAt, type TransactItem } from '../transactions';
import { nextUtcMidnight, usageExpiry, utcDay } from './days';
import type { QuotaTable } from './table';

/** Tokens one or more Bedrock calls reported (`usage` of Converse, `metadata.usage` of ConverseStream). */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface Spender {
  readonly userId: string;
  readonly orgId: string;
}

export type BudgetState =
  | { readonly spent: false }
  | { readonly spent: true; readonly scope: 'user' | 'org'; readonly limit: number; readonly resetsAt: string };

/**
 * Whether the user's or the org's tokens of today (UTC) are used up. Checked before a model call:
 * what a call will cost is only known after it, so a call started within the budget is let finish.
 */
export async function tokenBudget(
  table: QuotaTable,
  spender: Spender,
  limits: Pick<QuotaLimits, 'dailyTokensPerUser' | 'dailyTokensPerOrg'>,
  now: Date,
): Promise<BudgetState> {
  const [user, org] = await Promise.all([usedTokens(table, keys.user(spender.userId), now), usedTokens(table, keys.org(spender.orgId), now)]);
  const resetsAt = nextUtcMidnight(now).toISOString();
  if (user >= limits.dailyTokensPerUser) return { spent: true, scope: 'user', limit: limits.dailyTokensPerUser, resetsAt };
  if (org >= limits.dailyTokensPerOrg) return { spent: true, scope: 'org', limit: limits.dailyTokensPerOrg, resetsAt };
  return { spent: false };
}

async function usedTokens(table: QuotaTable, pk: string, now: Date): Promise<number> {
  const { Item } = await table.dynamo.send(
    new GetCommand({ TableName: table.tableName, Key: { PK: pk, SK: quotaKeys.usage(utcDay(now)) }, ConsistentRead: true, ProjectionExpression: 'tokens' }),
  );
  return typeof Item?.tokens === 'number' ? Item.tokens : 0;
}

/** Add usage to the user's and the org's counters of today: atomic ADDs, never a read and a write back. */
function usageUpdates(table: QuotaTable, spender: Spender, usage: TokenUsage, now: Date): TransactItem[] {
  const update = (pk: string): TransactItem => ({
    Update: {
      TableName: table.tableName,
      Key: { PK: pk, SK: quotaKeys.usage(utcDay(now)) },
      UpdateExpression: 'ADD tokens :total, inputTokens :input, outputTokens :output SET #ttl = if_not_exists(#ttl, :ttl)',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':total': usage.inputTokens + usage.outputTokens,
        ':input': usage.inputTokens,
        ':output': usage.outputTokens,
        ':ttl': usageExpiry(now),
      },
    },
  });
  return [update(keys.user(spender.userId)), update(keys.org(spender.orgId))];
}

const nothingUsed = (usage: TokenUsage) => usage.inputTokens + usage.outputTokens === 0;

/** Record the usage of a call made once (the router's classifier): both counters or neither. */
export async function recordTokens(table: QuotaTable, spender: Spender, usage: TokenUsage, now: Date): Promise<void> {
  if (nothingUsed(usage)) return;
  await table.dynamo.send(new TransactWriteCommand({ TransactItems: usageUpdates(table, spender, usage, now) }));
}

/** A request whose usage is recorded once, however often it is delivered. */
export interface UsageRequest {
  readonly conversationId: string;
  readonly requestId: string;
}

/**
 * Record a request's usage once: a marker item for the request is created in the same transaction
 * as the two ADDs, on condition it does not exist, so a second delivery of the request adds nothing.
 */
export async function recordTokensOnce(
  table: QuotaTable,
  spender: Spender,
  request: UsageRequest,
  usage: TokenUsage,
  now: Date,
): Promise<'recorded' | 'already-recorded'> {
  if (nothingUsed(usage)) return 'recorded';
  const marker: TransactItem = {
    Put: {
      TableName: table.tableName,
      Item: {
        PK: keys.user(spender.userId),
        SK: quotaKeys.usageRecorded(request.conversationId, request.requestId),
        tokens: usage.inputTokens + usage.outputTokens,
        recordedAt: now.toISOString(),
        ttl: usageExpiry(now),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
  try {
    await table.dynamo.send(new TransactWriteCommand({ TransactItems: [marker, ...usageUpdates(table, spender, usage, now)] }));
    return 'recorded';
  } catch (error) {
    if (conditionFailedAt(error, 0)) return 'already-recorded';
    throw error;
  }
}
