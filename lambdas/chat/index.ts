import { randomUUID } from 'node:crypto';
import { bedrockClient } from '../shared/clients/bedrock';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { lambdaClient } from '../shared/clients/lambda';
import { once } from '../shared/clients/once';
import { websocketClient } from '../shared/clients/websocket-management';
import { lambdaConfig } from '../shared/config';
import { describeError, HandlerError } from '../shared/responses';
import { answerMessage, type ChatOutcome, type ChatSettings } from './answer';
import { parseChatEvent } from './request';

/** Budget assumed when no Lambda context is given (a local run). */
const DEFAULT_BUDGET_MS = 120_000;

const config = once(() => {
  const env = lambdaConfig('chat');
  const settings: ChatSettings = {
    connectionsTable: env.CONNECTIONS_TABLE,
    conversationsTable: env.CONVERSATIONS_TABLE,
    toolsTable: env.TOOLS_TABLE,
    chatModelId: env.CHAT_MODEL_ID,
    memoryFunctionName: env.MEMORY_FUNCTION_NAME,
  };
  return { settings, endpoint: env.WEBSOCKET_ENDPOINT };
});

export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/**
 * chat: invoked asynchronously by the router. Resolves with the outcome; throws only on transient
 * AWS faults before anything was sent, so Lambda's async retry can act (the handler is idempotent).
 */
export async function handler(event: unknown, context?: LambdaContext): Promise<{ outcome: ChatOutcome | 'rejected' }> {
  let request;
  try {
    request = parseChatEvent(event);
  } catch (error) {
    if (!(error instanceof HandlerError)) throw error;
    // Only the router invokes chat, so a bad event is a bug to log, not a request to retry.
    console.error(JSON.stringify({ level: 'ERROR', message: 'rejected chat event', error: describeError(error) }));
    return { outcome: 'rejected' };
  }
  const deadline = Date.now() + (context?.getRemainingTimeInMillis() ?? DEFAULT_BUDGET_MS);
  const { settings, endpoint } = config();
  const outcome = await answerMessage(
    {
      dynamo: dynamoDocumentClient(),
      websocket: websocketClient(endpoint),
      bedrock: bedrockClient(),
      lambda: lambdaClient(),
      settings,
      newId: randomUUID,
      now: () => new Date(),
    },
    request,
    deadline,
  );
  console.log(JSON.stringify({ level: 'INFO', message: 'chat finished', outcome, requestId: request.requestId }));
  return { outcome };
}
