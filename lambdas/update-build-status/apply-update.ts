import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, type BuildItem } from '../shared/contract';
import { errorName } from '../shared/aws-errors';
import { conflict, notFound } from '../shared/responses';
import type { StatusUpdate } from './status-update';
import { conditionalUpdate } from './transition';

export interface BuildsTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * Apply a status change in one conditional write and return the build as it now is. A stale or
 * repeated update changes nothing and is a CONFLICT; an unknown build is NOT_FOUND.
 */
export async function applyStatusUpdate(builds: BuildsTable, update: StatusUpdate, now: string): Promise<BuildItem> {
  const Key = { PK: keys.build(update.buildId), SK: keys.meta };
  const guarded = conditionalUpdate(update, now);
  try {
    const { Attributes } = await builds.dynamo.send(
      new UpdateCommand({
        TableName: builds.tableName,
        Key,
        UpdateExpression: guarded.updateExpression,
        ConditionExpression: guarded.conditionExpression,
        ExpressionAttributeNames: guarded.names,
        ExpressionAttributeValues: guarded.values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as BuildItem;
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
  }
  const { Item } = await builds.dynamo.send(new GetCommand({ TableName: builds.tableName, Key, ConsistentRead: true }));
  if (!Item) throw notFound(`Build ${update.buildId} not found`);
  const current = Item as BuildItem;
  const where = current.phase ? `${current.status} (${current.phase})` : current.status;
  const target = update.phase ? `${update.status} (${update.phase})` : update.status;
  throw conflict(`Build ${update.buildId} is ${where}; it cannot move to ${target}`);
}
