import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatEvent, ServerFrame } from '../shared/contract';
import { forbiddenEvent, type AuditTrail } from '../shared/audit';
import { writeAuditEvent } from '../shared/audit-writer';
import { isTransientAwsError } from '../shared/aws-errors';
import { errorPayload } from '../shared/frame-errors';
import { describeError } from '../shared/responses';
import { recordTokensOnce, type TokenUsage } from '../shared/quotas/token-budget';
import { frame, sendToConnection, type SendOutcome } from '../shared/websocket';
import type { CoalescingOptions } from './chunks';
import { conversationOwner, recentMessages, toModelMessages } from './history';
import { relevantMemories } from './memories';
import { systemPrompt } from './prompt';
import { streamReply, type Prompt, type ReplyResult } from './stream';
import { listOrgTools, runTool, toolConfiguration, type OrgTool } from './tools';
import { oncePerRequest, type RequestRecordKey } from './request-records';
import { storeTurn, type CompletedTurn, type ConversationsTable, type StoreResult } from './turns';
import { log } from '../shared/telemetry';
import { recordMetric } from '../shared/metrics';

export interface ChatSettings {
  readonly connectionsTable: string;
  readonly conversationsTable: string;
  readonly toolsTable: string;
  readonly chatModelId: string;
  readonly memoryFunctionName: string;
  /** `fable-<stage>-tool-`: the only functions chat invokes as tools. */
  readonly toolFunctionPrefix: string;
  /** Refusals are recorded there. */
  readonly auditTable: string;
  /** Each request's model tokens count against its user's and org's day budgets there. */
  readonly quotasTable: string;
}

export interface ChatDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly websocket: ApiGatewayManagementApiClient;
  readonly bedrock: BedrockRuntimeClient;
  readonly lambda: LambdaClient;
  readonly settings: ChatSettings;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly coalescing?: CoalescingOptions;
}

export type ChatOutcome = 'completed' | 'duplicate' | 'forbidden' | 'gone' | 'failed' | 'superseded';

const MEMORY_SEARCH = { limit: 5, timeoutMs: 2_500 } as const;

const NOT_YOURS = 'This conversation belongs to another user.';

/**
 * Refuse a message to another user's conversation: the refusal is recorded, then the client told.
 * A record that cannot be written throws (nothing is sent), so Lambda's retry refuses again.
 */
async function refuseConversation(deps: ChatDeps, event: ChatEvent, send: (message: ServerFrame) => Promise<SendOutcome>): Promise<'forbidden'> {
  const trail: AuditTrail = { dynamo: deps.dynamo, tableName: deps.settings.auditTable };
  await writeAuditEvent(
    trail,
    forbiddenEvent({
      orgId: event.orgId,
      userId: event.userId,
      actor: ['user', event.userId],
      target: ['conversation', event.conversationId],
      action: 'conversation.write',
    }),
  );
  await send(frame('error', { code: 'FORBIDDEN', message: NOT_YOURS }, { requestId: event.requestId, conversationId: event.conversationId }));
  return 'forbidden';
}

/**
 * Answer one chat message: check the conversation is the caller's, then, once per request
 * (request-records.ts: a repeated delivery does nothing), gather history, memories and the org's
 * tools, stream the reply, and store the turn. `deadline` is the epoch ms at which the function times out.
 */
export async function answerMessage(deps: ChatDeps, event: ChatEvent, deadline: number): Promise<ChatOutcome> {
  const startedAt = deps.now().getTime();
  const elapsedMs = () => deps.now().getTime() - startedAt;
  const context = { requestId: event.requestId, conversationId: event.conversationId };
  const sender = { websocket: deps.websocket, dynamo: deps.dynamo, connectionsTable: deps.settings.connectionsTable };
  const send = (message: ServerFrame) => sendToConnection(sender, event.connectionId, message);
  const conversations: ConversationsTable = { dynamo: deps.dynamo, tableName: deps.settings.conversationsTable };

  const owner = await conversationOwner(conversations, event.conversationId);
  if (owner !== undefined && owner !== event.userId) return refuseConversation(deps, event, send);
  return oncePerRequest(conversations, event, deadline, (record) => replyOnce(deps, event, { context, send, conversations, elapsedMs }, record));
}

interface RequestScope {
  readonly context: { requestId: string; conversationId: string };
  readonly send: (message: ServerFrame) => Promise<SendOutcome>;
  readonly conversations: ConversationsTable;
  /** Milliseconds since the invocation began answering (the chat latency metrics). */
  readonly elapsedMs: () => number;
}

/**
 * The work on a request this delivery holds. It throws only before anything was sent (Lambda's
 * retry then answers), or when a refusal cannot be recorded (nothing was stored; the retry finds
 * the conversation another user's and refuses it); once the turn is stored it never throws, as
 * that would release the request.
 */
async function replyOnce(deps: ChatDeps, event: ChatEvent, scope: RequestScope, record: RequestRecordKey): Promise<ChatOutcome> {
  const { context, send, conversations } = scope;
  const receivedAt = deps.now();
  let firstChunk = true;
  const sendFrame = async (message: ServerFrame): Promise<SendOutcome> => {
    const outcome = await send(message);
    if (firstChunk && message.type === 'chat_chunk') {
      firstChunk = false;
      recordMetric('chatFirstChunkLatency', scope.elapsedMs(), {});
    }
    return outcome;
  };

  let prompt: Prompt;
  let tools: OrgTool[];
  try {
    const [history, memories, orgTools] = await Promise.all([
      recentMessages(conversations, event.conversationId),
      relevantMemories(
        deps.lambda,
        { functionName: deps.settings.memoryFunctionName, ...MEMORY_SEARCH },
        { query: event.content, userId: event.userId, orgId: event.orgId },
      ),
      listOrgTools({ dynamo: deps.dynamo, tableName: deps.settings.toolsTable }, event.orgId, deps.settings.toolFunctionPrefix),
    ]);
    tools = orgTools;
    prompt = { system: systemPrompt(memories), messages: toModelMessages(history, event.content), tools: toolConfiguration(tools) };
  } catch (error) {
    // Nothing was sent yet: a transient fault is handed to Lambda's retry, which claims the request afresh.
    if (isTransientAwsError(error)) throw error;
    return fail(send, context, error, 'prepare-failed');
  }

  const used = { inputTokens: 0, outputTokens: 0 };
  const onUsage = (usage: TokenUsage) => {
    used.inputTokens += usage.inputTokens;
    used.outputTokens += usage.outputTokens;
  };
  let reply: ReplyResult;
  try {
    reply = await streamReply(
      { bedrock: deps.bedrock, modelId: deps.settings.chatModelId },
      { sendFrame, runTool: (name, input) => runTool(deps.lambda, tools, name, input), context, coalescing: deps.coalescing, onUsage },
      prompt,
    );
  } catch (error) {
    await recordUsage(deps, event, used);
    // Part of the reply may have reached the client, so a retry would repeat it: report instead.
    return fail(send, context, error, 'model-failed');
  }
  // Tokens are spent whether or not the reply reached anyone.
  await recordUsage(deps, event, used);
  if (reply.outcome === 'gone') return 'gone';

  const turn: CompletedTurn = {
    conversationId: event.conversationId,
    requestId: event.requestId,
    userId: event.userId,
    orgId: event.orgId,
    userText: event.content,
    assistantText: reply.text,
    messageId: deps.newId(),
    receivedAt: receivedAt.toISOString(),
    completedAt: deps.now().toISOString(),
  };
  const stored = await storeTurn(conversations, record, turn);
  // Another user took the conversation while the reply streamed: nothing was stored.
  if (stored === 'forbidden') return refuseConversation(deps, event, send);
  return finishTurn(stored, turn, scope);
}

/**
 * Count the request's tokens against its user's and org's budgets of today, once per request (a
 * second delivery finds the request's marker). It never throws: the reply is out, and a throw would
 * give the request back for a retry that repeats it; a count that cannot be written is logged.
 */
async function recordUsage(deps: ChatDeps, event: ChatEvent, usage: TokenUsage): Promise<void> {
  try {
    const table = { dynamo: deps.dynamo, tableName: deps.settings.quotasTable };
    await recordTokensOnce(table, event, event, usage, deps.now());
  } catch (error) {
    log.error('token usage not recorded', { ...usage, error: describeError(error) });
  }
}

async function finishTurn(stored: Exclude<StoreResult, 'forbidden'>, turn: CompletedTurn, { send, context, elapsedMs }: RequestScope): Promise<ChatOutcome> {
  if (stored === 'superseded') return 'superseded';
  try {
    if ((await send(frame('chat_complete', { messageId: turn.messageId, text: turn.assistantText }, context))) === 'sent') {
      recordMetric('chatTotalLatency', elapsedMs(), {});
    }
  } catch (error) {
    // The turn is stored: the client misses its completion rather than getting the reply twice.
    log.error('chat_complete not sent', { error: describeError(error) });
  }
  return 'completed';
}

async function fail(
  send: (message: ServerFrame) => Promise<unknown>,
  context: { requestId: string; conversationId: string },
  error: unknown,
  reason: string,
): Promise<ChatOutcome> {
  log.error('chat reply failed', { reason, error: describeError(error) });
  await send(frame('error', errorPayload(error), context));
  return 'failed';
}
