import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ANONYMOUS_USER_ID, DEFAULT_ORG_ID, opaqueId } from '../shared/contract';
import { routeContext } from '../shared/websocket-route';

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

/** An identity field an authorizer may leave out: absent, null and '' all mean "not given". */
const authorizerId = z.preprocess((value) => (value === '' || value === null ? undefined : value), opaqueId.optional());

/**
 * What connection-manager reads of a route event: the route, the connection id (a table key) and,
 * when an authorizer ran, the identity it returned. Anything malformed refuses the connection.
 */
export const connectionEvent = z.object({
  requestContext: routeContext.extend({
    routeKey: z.enum(['$connect', '$disconnect']),
    authorizer: z.object({ userId: authorizerId, principalId: authorizerId, orgId: authorizerId }).nullish(),
  }),
});
export type ConnectionRoute = z.output<typeof connectionEvent>['requestContext'];

/**
 * Who is connecting: the authorizer's userId (or principalId) and orgId when an authorizer ran,
 * otherwise the anonymous identity every component uses until authentication lands.
 */
export function identityOf(authorizer: ConnectionRoute['authorizer']): Identity {
  return {
    userId: authorizer?.userId ?? authorizer?.principalId ?? ANONYMOUS_USER_ID,
    orgId: authorizer?.orgId ?? DEFAULT_ORG_ID,
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
