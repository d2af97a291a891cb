import { randomUUID } from 'node:crypto';
import { bedrockClient } from '../shared/clients/bedrock';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { lambdaClient } from '../shared/clients/lambda';
import { websocketClient } from '../shared/clients/websocket-management';
import { ROUTER_CLASSIFY_TIMEOUT_SECONDS } from '../shared/contract';
import { lambdaHandler } from '../shared/handler';
import { containerQuotas } from '../shared/quotas/quotas';
import { routeContext, routeResponse, type RouteResponse, type WebSocketEvent } from '../shared/websocket-route';
import { routeFrame, type RouterDeps } from './route-frame';

/** router: every `$default` frame of the WebSocket API (DESIGN.md section 7). */
export const handler = lambdaHandler(
  'router',
  (env): RouterDeps => ({
    dynamo: dynamoDocumentClient(),
    quotas: containerQuotas(dynamoDocumentClient(), env, { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE }),
    websocket: websocketClient(env.WEBSOCKET_ENDPOINT),
    bedrock: bedrockClient(),
    lambda: lambdaClient(),
    settings: {
      connectionsTable: env.CONNECTIONS_TABLE,
      routerModelId: env.ROUTER_MODEL_ID,
      classifyTimeoutMs: ROUTER_CLASSIFY_TIMEOUT_SECONDS * 1000,
      chatFunctionName: env.CHAT_FUNCTION_NAME,
      buildKickoffFunctionName: env.BUILD_KICKOFF_FUNCTION_NAME,
      memoryFunctionName: env.MEMORY_FUNCTION_NAME,
      userDataFunctionName: env.USER_DATA_FUNCTION_NAME,
    },
    newId: randomUUID,
    now: () => new Date(),
  }),
  async (event: WebSocketEvent, deps): Promise<RouteResponse> => {
    // Without a well-formed connection there is nobody to answer.
    const route = routeContext.safeParse(event.requestContext);
    if (!route.success) return routeResponse(400);
    return routeResponse(await routeFrame(deps, { connectionId: route.data.connectionId, body: event.body, isBase64Encoded: event.isBase64Encoded }));
  },
);
