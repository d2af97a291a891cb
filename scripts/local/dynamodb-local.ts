import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keyAttributes, TABLES, type TableDefinition } from '../../lambdas/shared/contract';
import { startEngine, WORKER_ENGINE_GLOBAL } from './dynamodb-local/engine';

const REGION = 'us-west-2';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** Table name for a component, as the stack names it for stage `test`. */
  tableName(component: TableDefinition['component']): string;
  stop(): Promise<void>;
}

/** The same CreateTable input the stack's key definitions describe (DESIGN.md section 5). */
export function createTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributes(definition).map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: 'HASH' },
      ...(definition.sortKey ? [{ AttributeName: definition.sortKey, KeyType: 'RANGE' as const }] : []),
    ],
    // CreateTable refuses an empty list: a table without indexes names none.
    GlobalSecondaryIndexes: definition.globalIndexes.length === 0 ? undefined : definition.globalIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}

/**
 * FABLE's four tables on DynamoDB Local, for one test file, with the SDK's standard variables
 * (`AWS_ENDPOINT_URL_DYNAMODB`, region, credentials) pointing handler code at them.
 *
 * Under jest the engine is the worker's (see __tests__/helpers/dynamodb-local/environment.ts), shared by the test
 * files that worker runs. DynamoDB Local keeps a separate database per access key, so each call
 * gets a fresh key and therefore tables no other test file sees. Outside jest (a script) it
 * starts an engine of its own, which `stop` ends.
 */
export async function startDynamoLocal(): Promise<LocalDynamo> {
  const workerEndpoint = (globalThis as Record<string, unknown>)[WORKER_ENGINE_GLOBAL] as (() => Promise<string>) | undefined;
  const ownEngine = workerEndpoint ? undefined : await startEngine();
  const endpoint = ownEngine?.endpoint ?? (await workerEndpoint!());
  // DynamoDB Local accepts only letters and digits in access keys.
  const credentials = { accessKeyId: `local${randomUUID().replaceAll('-', '')}`, secretAccessKey: 'local' };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials });
  const tableName = (component: TableDefinition['component']) => `fable-test-${component}`;
  await Promise.all(TABLES.map((definition) => client.send(new CreateTableCommand(createTableInput(definition, tableName(definition.component))))));
  return {
    endpoint,
    client,
    doc: DynamoDBDocumentClient.from(client),
    tableName,
    stop: async () => {
      client.destroy();
      await ownEngine?.stop();
    },
  };
}
