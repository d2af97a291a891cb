import type { AuditTrail } from '../shared/audit';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { WEBSOCKET_SUBPROTOCOL } from '../shared/contract';
import { intSetting } from '../shared/config';
import { lambdaHandler } from '../shared/handler';
import { checkInput } from '../shared/validation';
import { routeResponse, type RouteResponse, type WebSocketEvent } from '../shared/websocket-route';
import { chosenSubprotocol, connectIdentity, connectionItem, connectionRoute, deleteConnection, putConnection, type ConnectionsTable } from './connections';
import { correlate, log } from '../shared/telemetry';

interface Deps {
  readonly table: ConnectionsTable;
  readonly audit: AuditTrail;
  readonly ttlSeconds: number;
}

/** Why a connection was refused, for the log (never a header value: the handshake may carry a token). */
const refused = (statusCode: number, reason: string): RouteResponse => {
  log.warn('connection refused', { reason });
  return routeResponse(statusCode);
};

/**
 * connection-manager: `$connect` stores the connection with the identity its authorizer
 * established and records a `connect` audit event (and answers with FABLE's subprotocol when the
 * client offered it); `$disconnect` removes it. A refused connection writes nothing.
 */
export const handler = lambdaHandler(
  'connection-manager',
  (env): Deps => ({
    table: { dynamo: dynamoDocumentClient(), tableName: env.CONNECTIONS_TABLE },
    audit: { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE },
    ttlSeconds: intSetting(env.CONNECTION_TTL_SECONDS, 'CONNECTION_TTL_SECONDS'),
  }),
  async (event: WebSocketEvent, deps): Promise<RouteResponse> => {
    // AWS faults below propagate (API Gateway answers 500).
    const route = checkInput(connectionRoute, event);
    if (!route.success) return refused(400, route.message);
    const { routeKey, connectionId, connectedAt } = route.data.requestContext;
    correlate({ connectionId });
    if (routeKey === '$disconnect') {
      await deleteConnection(deps.table, connectionId);
      return routeResponse(200);
    }
    const identity = checkInput(connectIdentity, event);
    if (!identity.success) return refused(401, identity.message);
    const subprotocol = chosenSubprotocol(event.headers);
    if (subprotocol === false) return refused(400, `subprotocols offered without ${WEBSOCKET_SUBPROTOCOL}`);
    // The connection's own time (not the invocation's), so a retried $connect stores the same item and event.
    await putConnection(deps.table, deps.audit, connectionItem(connectionId, identity.data.requestContext.authorizer, new Date(connectedAt), deps.ttlSeconds));
    return subprotocol ? { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': subprotocol } } : routeResponse(200);
  },
);
