import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { authorizerContext, WEBSOCKET_SUBPROTOCOL, type ConnectionIdentity, type ConnectionItem } from '../shared/contract';
import { offeredSubprotocols, type HandshakeHeaders } from '../shared/subprotocols';
import { routeContext } from '../shared/websocket-route';

export interface ConnectionsTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** What connection-manager reads of a route event: the route and the connection id (a table key). */
export const connectionRoute = z.object({
  requestContext: routeContext.extend({ routeKey: z.enum(['$connect', '$disconnect']) }),
});

/**
 * The identity the `$connect` authorizer returned. It always runs on `$connect` (anonymous
 * stages included), so a missing or malformed one refuses the connection.
 */
export const connectIdentity = z.object({ requestContext: z.object({ authorizer: authorizerContext }) });

/**
 * The subprotocol `$connect` answers with. A browser fails an upgrade whose answer names none of
 * the protocols it offered, so a client that offered any must have offered FABLE's: `undefined`
 * answers without one (nothing was offered), `false` refuses the connection.
 */
export function chosenSubprotocol(headers: HandshakeHeaders): string | undefined | false {
  const offered = offeredSubprotocols(headers);
  if (offered.length === 0) return undefined;
  return offered.includes(WEBSOCKET_SUBPROTOCOL) ? WEBSOCKET_SUBPROTOCOL : false;
}

export function connectionItem(connectionId: string, identity: ConnectionIdentity, now: Date, ttlSeconds: number): ConnectionItem {
  return {
    connectionId,
    userId: identity.userId,
    orgId: identity.orgId,
    orgRole: identity.orgRole,
    groups: identity.groups,
    expiresAt: identity.expiresAt,
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
