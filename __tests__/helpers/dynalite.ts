import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keyAttributes, TABLES, type TableDefinition } from '../../lambdas/shared/contract';

// dynalite has no types; its factory returns an http.Server.
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('node:http').Server;

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
    GlobalSecondaryIndexes: definition.globalIndexes.map((index) => ({
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
 * Start dynalite on 127.0.0.1 (random port), create FABLE's four tables, and point the SDK's
 * standard `AWS_ENDPOINT_URL_DYNAMODB` at it so handler code runs unchanged.
 */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  process.env.AWS_REGION ??= 'us-west-2';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const client = new DynamoDBClient({ endpoint, region: 'us-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const tableName = (component: TableDefinition['component']) => `fable-test-${component}`;
  for (const definition of TABLES) await client.send(new CreateTableCommand(createTableInput(definition, tableName(definition.component))));
  return {
    endpoint,
    client,
    doc: DynamoDBDocumentClient.from(client),
    tableName,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
