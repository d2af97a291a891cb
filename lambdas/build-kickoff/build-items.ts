import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, type BuildItem, type BuildView } from '../shared/contract';

export interface BuildsTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

export const buildKey = (buildId: string) => ({ PK: keys.build(buildId), SK: keys.meta });

/** The build item, read consistently (a status asked right after a start must see it). */
export async function getBuildItem(table: BuildsTable, buildId: string): Promise<BuildItem | undefined> {
  const { Item } = await table.dynamo.send(
    new GetCommand({ TableName: table.tableName, Key: buildKey(buildId), ConsistentRead: true }),
  );
  return Item as BuildItem | undefined;
}

/** What callers see of a build: no keys, no internal fields. */
export function toBuildView(item: BuildItem): BuildView {
  return {
    buildId: item.buildId,
    status: item.status,
    ...(item.phase !== undefined ? { phase: item.phase } : {}),
    userId: item.userId,
    orgId: item.orgId,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    ...(item.result !== undefined ? { result: item.result } : {}),
    ...(item.error !== undefined ? { error: item.error } : {}),
  };
}
