import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SDK_RETRIES } from './retries';
import { traced } from './traced';

const clients = new Map<string, ApiGatewayManagementApiClient>();

/** One management client per WebSocket endpoint (`WEBSOCKET_ENDPOINT`, https://.../<stage>). */
export function websocketClient(endpoint: string): ApiGatewayManagementApiClient {
  let client = clients.get(endpoint);
  if (!client) {
    client = traced(new ApiGatewayManagementApiClient({ endpoint, ...SDK_RETRIES }));
    clients.set(endpoint, client);
  }
  return client;
}
