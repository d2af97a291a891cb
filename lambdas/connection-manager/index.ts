import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { once } from '../shared/clients/once';
import { intSetting, lambdaConfig } from '../shared/config';
import { describeError, HandlerError } from '../shared/responses';
import { ID_PATTERN } from '../shared/validation';
import type { WebSocketEvent, WebSocketRouteResponse } from '../shared/websocket-event';
import { connectionItem, deleteConnection, identityOf, putConnection, type ConnectionsTable } from './connections';

const settings = once(() => {
  const env = lambdaConfig('connection-manager');
  return {
    tableName: env.CONNECTIONS_TABLE,
    ttlSeconds: intSetting(env.CONNECTION_TTL_SECONDS, 'CONNECTION_TTL_SECONDS'),
  };
});

const status = (statusCode: number): WebSocketRouteResponse => ({ statusCode });

/** connection-manager: `$connect` stores the connection and its identity, `$disconnect` removes it. */
export async function handler(event: WebSocketEvent): Promise<WebSocketRouteResponse> {
  const { routeKey, connectionId, authorizer } = event.requestContext ?? {};
  if (typeof connectionId !== 'string' || !ID_PATTERN.test(connectionId)) return status(400);
  const table: ConnectionsTable = { dynamo: dynamoDocumentClient(), tableName: settings().tableName };
  try {
    if (routeKey === '$connect') {
      const item = connectionItem(connectionId, identityOf(authorizer), new Date(), settings().ttlSeconds);
      await putConnection(table, item);
      return status(200);
    }
    if (routeKey === '$disconnect') {
      await deleteConnection(table, connectionId);
      return status(200);
    }
    return status(400);
  } catch (error) {
    // A bad identity refuses the connection; AWS faults propagate (API Gateway answers 500).
    if (error instanceof HandlerError) {
      console.warn(JSON.stringify({ level: 'WARN', message: 'connection refused', routeKey, error: describeError(error) }));
      return status(400);
    }
    throw error;
  }
}
