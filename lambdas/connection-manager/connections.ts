import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ANONYMOUS_USER_ID, DEFAULT_ORG_ID } from '../shared/contract';
import { badRequest } from '../shared/responses';
import { ID_PATTERN } from '../shared/validation';

export interface ConnectionsTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface Identity {
  readonly userId: string;
  readonly orgId: string;
}

export interface ConnectionItem extends Identity {
  readonly connectionId: string;
  readonly connectedAt: string;
  /** Epoch seconds: DynamoDB TTL removes connections whose $disconnect never arrived. */
  readonly ttl: number;
}

function identityField(authorizer: Readonly<Record<string, unknown>>, field: string): string | undefined {
  const value = authorizer[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw badRequest(`authorizer ${field} is not a valid id`);
  return value;
}

/**
 * Who is connecting: the authorizer's userId (or principalId) and orgId when an authorizer ran,
 * otherwise the anonymous identity every component uses until authentication lands.
 */
export function identityOf(authorizer: Readonly<Record<string, unknown>> | null | undefined): Identity {
  if (!authorizer) return { userId: ANONYMOUS_USER_ID, orgId: DEFAULT_ORG_ID };
  return {
    userId: identityField(authorizer, 'userId') ?? identityField(authorizer, 'principalId') ?? ANONYMOUS_USER_ID,
    orgId: identityField(authorizer, 'orgId') ?? DEFAULT_ORG_ID,
  };
}

export function connectionItem(connectionId: string, identity: Identity, now: Date, ttlSeconds: number): ConnectionItem {
  return {
    connectionId,
    userId: identity.userId,
    orgId: identity.orgId,
    connectedAt: now.toISOString(),
    ttl: Math.floor(now.getTime() / 1000) + ttlSeconds,
  };
}

export async function putConnection(table: ConnectionsTable, item: ConnectionItem): Promise<void> {
  await table.dynamo.send(new PutCommand({ TableName: table.tableName, Item: item }));
}

/** Deleting an absent connection is a no-op, so a repeated $disconnect is harmless. */
export async function deleteConnection(table: ConnectionsTable, connectionId: string): Promise<void> {
  await table.dynamo.send(new DeleteCommand({ TableName: table.tableName, Key: { connectionId } }));
}
