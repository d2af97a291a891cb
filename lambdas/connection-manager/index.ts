import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { intSetting } from '../shared/config';
import { lambdaHandler } from '../shared/handler';
import { checkInput } from '../shared/validation';
import { routeResponse, type RouteResponse, type WebSocketEvent } from '../shared/websocket-route';
import { connectionEvent, connectionItem, deleteConnection, identityOf, putConnection, type ConnectionsTable } from './connections';

interface Deps {
  readonly table: ConnectionsTable;
  readonly ttlSeconds: number;
}

/** connection-manager: `$connect` stores the connection and its identity, `$disconnect` removes it. */
export const handler = lambdaHandler(
  'connection-manager',
  (env): Deps => ({
    table: { dynamo: dynamoDocumentClient(), tableName: env.CONNECTIONS_TABLE },
    ttlSeconds: intSetting(env.CONNECTION_TTL_SECONDS, 'CONNECTION_TTL_SECONDS'),
  }),
  async (event: WebSocketEvent, deps): Promise<RouteResponse> => {
    const checked = checkInput(connectionEvent, event);
    if (!checked.success) {
      // A malformed route or identity refuses the connection; AWS faults below propagate (API Gateway answers 500).
      console.warn(JSON.stringify({ level: 'WARN', message: 'connection refused', reason: checked.message }));
      return routeResponse(400);
    }
    const route = checked.data.requestContext;
    if (route.routeKey === '$disconnect') await deleteConnection(deps.table, route.connectionId);
    else await putConnection(deps.table, connectionItem(route.connectionId, identityOf(route.authorizer), new Date(), deps.ttlSeconds));
    return routeResponse(200);
  },
);
