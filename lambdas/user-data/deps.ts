import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditTrail } from '../shared/audit';

export interface UserDataSettings {
  readonly connectionsTable: string;
  readonly conversationsTable: string;
  readonly buildsTable: string;
  readonly toolsTable: string;
  readonly artifactsBucket: string;
  readonly memoryFunctionName: string;
}

/** What export and erase work with: clients and settings, injected so tests can pass local engines. */
export interface UserDataDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly lambda: LambdaClient;
  readonly audit: AuditTrail;
  readonly settings: UserDataSettings;
  readonly now: () => Date;
}

/** Whose data a request is about. */
export interface DataSubject {
  readonly userId: string;
  readonly orgId: string;
}
