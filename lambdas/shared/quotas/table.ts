import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The quotas table (`QUOTAS_TABLE`). */
export interface QuotaTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}
