import { DeleteCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { auditPut, type AuditTrail } from '../shared/audit';
import { auditRef, authorizerContext, WEBSOCKET_SUBPROTOCOL, type AuditEvent, type ConnectionIdentity, type ConnectionItem } from '../shared/contract';
import { offeredSubprotocols, type HandshakeHeaders } from '../shared/subprotocols';
import { conditionFailedAt } from '../shared/transactions';
import { routeContext } from '../shared/websocket-route';

export interface ConnectionsTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** What connection-manager reads of a route event: the route, the connection id (a table key) and when it connected. */
export const connectionRoute = z.object({
  requestContext: routeContext.extend({ routeKey: z.enum(['$connect', '$disconnect']), connectedAt: z.number().int().positive() }),
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

/** The `connect` event of an accepted connection: who connected, over which connection. */
export function connectEvent(item: ConnectionItem): AuditEvent {
  return {
    type: 'connect',
    orgId: item.orgId,
    userId: item.userId,
    actor: auditRef('user', item.userId),
    target: auditRef('connection', item.connectionId),
    outcome: 'success',
  };
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

/**
 * Store the connection and its `connect` event together, or neither. The event is named by the
 * connection, so a retried `$connect` finds the event its first run wrote with the connection
 * (one transaction) and adds nothing.
 */
export async function putConnection(table: ConnectionsTable, audit: AuditTrail, item: ConnectionItem): Promise<void> {
  const event = auditPut(audit, connectEvent(item), { at: item.connectedAt, idempotencyKey: `connect:${item.connectionId}` });
  try {
    await table.dynamo.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table.tableName, Item: item } }, event] }));
  } catch (error) {
    if (!conditionFailedAt(error, 1)) throw error;
  }
}

/** Deleting an absent connection is a no-op, so a repeated $disconnect is harmless. */
export async function deleteConnection(table: ConnectionsTable, connectionId: string): Promise<void> {
  await table.dynamo.send(new DeleteCommand({ TableName: table.tableName, Key: { connectionId } }));
}
