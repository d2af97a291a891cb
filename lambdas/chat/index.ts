import { randomUUID } from 'node:crypto';
import { bedrockClient } from '../shared/clients/bedrock';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { lambdaClient } from '../shared/clients/lambda';
import { websocketClient } from '../shared/clients/websocket-management';
import { chatEvent } from '../shared/contract';
import { invocationDeadline, lambdaHandler } from '../shared/handler';
import { checkInput } from '../shared/validation';
import { answerMessage, type ChatDeps, type ChatOutcome } from './answer';
import { correlate, log } from '../shared/telemetry';

/**
 * chat: invoked asynchronously by the router. Resolves with the outcome; throws only on transient
 * AWS faults before anything was sent, so Lambda's async retry can act (the handler is idempotent).
 */
export const handler = lambdaHandler(
  'chat',
  (env): ChatDeps => ({
    dynamo: dynamoDocumentClient(),
    websocket: websocketClient(env.WEBSOCKET_ENDPOINT),
    bedrock: bedrockClient(),
    lambda: lambdaClient(),
    settings: {
      connectionsTable: env.CONNECTIONS_TABLE,
      conversationsTable: env.CONVERSATIONS_TABLE,
      toolsTable: env.TOOLS_TABLE,
      chatModelId: env.CHAT_MODEL_ID,
      memoryFunctionName: env.MEMORY_FUNCTION_NAME,
      toolFunctionPrefix: env.TOOL_FUNCTION_PREFIX,
      auditTable: env.AUDIT_TABLE,
      quotasTable: env.QUOTAS_TABLE,
    },
    newId: randomUUID,
    now: () => new Date(),
  }),
  async (event, deps, context): Promise<{ outcome: ChatOutcome | 'rejected' }> => {
    const request = checkInput(chatEvent, event);
    if (!request.success) {
      // Only the router invokes chat, so a bad event is a bug to log, not a request to retry.
      log.error('rejected chat event', { reason: request.message });
      return { outcome: 'rejected' };
    }
    const { requestId, connectionId, conversationId } = request.data;
    correlate({ requestId, connectionId, conversationId });
    const outcome = await answerMessage(deps, request.data, invocationDeadline('chat', context));
    log.info('chat finished', { outcome });
    return { outcome };
  },
);
