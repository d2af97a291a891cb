import { randomUUID } from 'node:crypto';
import { bedrockClient } from '../shared/clients/bedrock';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { lambdaClient } from '../shared/clients/lambda';
import { once } from '../shared/clients/once';
import { websocketClient } from '../shared/clients/websocket-management';
import { lambdaConfig } from '../shared/config';
import type { WebSocketEvent, WebSocketRouteResponse } from '../shared/websocket-event';
import { routeFrame, type RouterSettings } from './route-frame';

/** The classifier gets a small slice of the router's budget; the keyword fallback takes over past it. */
const CLASSIFY_TIMEOUT_MS = 3_000;

const config = once(() => {
  const env = lambdaConfig('router');
  const settings: RouterSettings = {
    connectionsTable: env.CONNECTIONS_TABLE,
    routerModelId: env.ROUTER_MODEL_ID,
    classifyTimeoutMs: CLASSIFY_TIMEOUT_MS,
    chatFunctionName: env.CHAT_FUNCTION_NAME,
    buildKickoffFunctionName: env.BUILD_KICKOFF_FUNCTION_NAME,
    memoryFunctionName: env.MEMORY_FUNCTION_NAME,
  };
  return { settings, endpoint: env.WEBSOCKET_ENDPOINT };
});

/** router: every `$default` frame of the WebSocket API (DESIGN.md section 7). */
export async function handler(event: WebSocketEvent): Promise<WebSocketRouteResponse> {
  const connectionId = event.requestContext?.connectionId;
  if (typeof connectionId !== 'string' || connectionId === '') return { statusCode: 400 };
  const { settings, endpoint } = config();
  const statusCode = await routeFrame(
    {
      dynamo: dynamoDocumentClient(),
      websocket: websocketClient(endpoint),
      bedrock: bedrockClient(),
      lambda: lambdaClient(),
      settings,
      newId: randomUUID,
    },
    { connectionId, body: event.body, isBase64Encoded: event.isBase64Encoded },
  );
  return { statusCode };
}
