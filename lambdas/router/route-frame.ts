import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { connectionIdentity, type ClientFrame, type FrameErrorCode, type ServerFrame } from '../shared/contract';
import { errorPayload } from '../shared/frame-errors';
import { describeError, HandlerError } from '../shared/responses';
import { frame, sendToConnection, type SendOutcome } from '../shared/websocket';
import { limitsOf, type Quotas } from '../shared/quotas/quotas';
import { messageRateRefusal, recordRefusal, tokenRefusal, type Refusal, type RefusedAction } from '../shared/quotas/refusals';
import { takeMessage } from '../shared/quotas/message-rate';
import { recordTokens, tokenBudget } from '../shared/quotas/token-budget';
import { classifyIntent, keywordIntent, type Classification } from './intent';
import { cancelBuild, handOffToChat, rememberFact, requestData, reviewBuild, startBuild, type FrameCaller } from './dispatch';
import { echoContext, parseClientFrame, type FrameContext } from './frames';
import { recordMetric } from '../shared/metrics';
import { correlate, log } from '../shared/telemetry';

export interface RouterSettings {
  readonly connectionsTable: string;
  readonly routerModelId: string;
  readonly classifyTimeoutMs: number;
  readonly chatFunctionName: string;
  readonly buildKickoffFunctionName: string;
  readonly memoryFunctionName: string;
  readonly userDataFunctionName: string;
}

export interface RouterDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly websocket: ApiGatewayManagementApiClient;
  readonly bedrock: BedrockRuntimeClient;
  readonly lambda: LambdaClient;
  readonly settings: RouterSettings;
  /** Message rate and token budgets, checked before anything is invoked. */
  readonly quotas: Quotas;
  /** Ids for requests and conversations the client did not name. */
  readonly newId: () => string;
  readonly now: () => Date;
}

export interface InboundFrame {
  readonly connectionId: string;
  readonly body: string | null | undefined;
  readonly isBase64Encoded?: boolean;
}

type Reply = (message: ServerFrame) => Promise<SendOutcome>;
type MessageFrame = Extract<ClientFrame, { type: 'message' }>;
type DataRequestFrame = Extract<ClientFrame, { type: 'data_request' }>;
type BuildFrame = Extract<ClientFrame, { type: 'review_build' | 'cancel_build' }>;

/** Route statuses (API Gateway logs them; the client learns outcomes from frames). */
const STATUS = { ok: 200, badRequest: 400, unauthorized: 401, forbidden: 403, notFound: 404, conflict: 409, gone: 410, refused: 429, failed: 502, unavailable: 503 } as const;

const statusOf = (outcome: SendOutcome) => (outcome === 'gone' ? STATUS.gone : STATUS.ok);

/**
 * Handle one `$default` frame: check the connection's identity (known, and its sign-in not yet
 * expired), validate the frame, answer pings, classify messages and hand them to chat,
 * build-kickoff or memory, pass data requests to user-data, and build reviews and cancels to
 * build-kickoff (which checks that the caller owns the build). A refused or bad frame gets an
 * `error` frame and touches nothing else.
 */
export async function routeFrame(deps: RouterDeps, inbound: InboundFrame): Promise<number> {
  const sender = { websocket: deps.websocket, dynamo: deps.dynamo, connectionsTable: deps.settings.connectionsTable };
  const reply: Reply = (message) => sendToConnection(sender, inbound.connectionId, message);
  // The ids of the frame, once known to be well-formed, so every answer can be correlated.
  let context: FrameContext = echoContext(inbound.body);
  const refuse = async (code: FrameErrorCode, message: string, status: number) => {
    log.info('frame refused', { ...context, code });
    await reply(frame('error', { code, message }, context));
    return status;
  };

  correlate({ connectionId: inbound.connectionId });
  try {
    const caller = await connectionCaller(deps, inbound.connectionId, new Date());
    if (caller === 'unknown') return await refuse('FORBIDDEN', 'Unknown connection; reconnect.', STATUS.forbidden);
    if (caller === 'expired') return await refuse('UNAUTHORIZED', 'Your sign-in has expired; reconnect with a fresh token.', STATUS.unauthorized);
    const clientFrame = checkedFrame(inbound);
    if (clientFrame instanceof HandlerError) return await refuse(clientFrame.code, clientFrame.message, STATUS.badRequest);
    if (clientFrame.type === 'ping') return statusOf(await reply(frame('pong', {})));
    // Every message and data request gets a requestId (its idempotency key), generated when the client sent none.
    const request = { ...clientFrame, requestId: clientFrame.requestId ?? deps.newId() };
    if (request.type === 'data_request') {
      context = { requestId: request.requestId };
      correlate(context);
      return await routeDataRequest(deps, reply, caller, request);
    }
    if (request.type === 'review_build' || request.type === 'cancel_build') {
      context = { requestId: request.requestId };
      correlate({ ...context, buildId: request.buildId });
      return await routeBuildFrame(deps, reply, caller, request);
    }
    context = { requestId: request.requestId, conversationId: request.conversationId };
    correlate(context);
    return await routeMessage(deps, reply, caller, request, context);
  } catch (error) {
    const payload = errorPayload(error);
    log.error('frame failed', { ...context, error: describeError(error) });
    await reply(frame('error', payload, context));
    return statusOfFailure(payload.code);
  }
}

/** The frame, or the BAD_REQUEST that says what is wrong with it. */
function checkedFrame(inbound: InboundFrame): ClientFrame | HandlerError {
  try {
    return parseClientFrame(inbound.body, inbound.isBase64Encoded);
  } catch (error) {
    if (error instanceof HandlerError) return error;
    throw error;
  }
}

/**
 * The caller stored with a connection at `$connect`: `unknown` for a connection the table does not
 * hold, `expired` once its token's expiry has passed (or for a record from before sign-in existed,
 * which has none).
 */
async function connectionCaller(deps: RouterDeps, connectionId: string, now: Date): Promise<FrameCaller | 'unknown' | 'expired'> {
  const result = await deps.dynamo.send(
    new GetCommand({
      TableName: deps.settings.connectionsTable,
      Key: { connectionId },
      ConsistentRead: true,
      ProjectionExpression: 'userId, orgId, orgRole, groups, expiresAt',
    }),
  );
  if (!result.Item) return 'unknown';
  const identity = connectionIdentity.safeParse(result.Item);
  if (!identity.success || identity.data.expiresAt <= Math.floor(now.getTime() / 1000)) return 'expired';
  const { expiresAt: _expiresAt, ...caller } = identity.data;
  return { ...caller, connectionId };
}

async function routeMessage(
  deps: RouterDeps,
  reply: Reply,
  caller: FrameCaller,
  message: MessageFrame & { readonly requestId: string },
  context: FrameContext,
): Promise<number> {
  const { settings, lambda, quotas } = deps;
  const refuse = async (action: RefusedAction, refusal: Refusal) => {
    await recordRefusal(quotas, caller, action, refusal);
    return statusOf(await reply(frame('error', { code: refusal.code, message: refusal.message, ...refusal.hints }, context)));
  };
  const arrivedAt = deps.now();
  const limits = await limitsOf(quotas, caller, arrivedAt);
  const admission = await takeMessage(quotas.table, caller.userId, limits, arrivedAt);
  if (!admission.admitted) {
    log.info('message rate limited');
    await refuse('message', messageRateRefusal(limits.messagesPerMinute, admission.retryAfterSeconds));
    return STATUS.refused;
  }
  // A spent budget buys no classifier call either: the keywords decide, and only CHAT is refused.
  const budget = await tokenBudget(quotas.table, caller, limits, arrivedAt);
  const { intent, source, usage }: Classification = budget.spent
    ? { intent: keywordIntent(message.content), source: 'keywords' }
    : await classifyIntent(deps.bedrock, { modelId: settings.routerModelId, timeoutMs: settings.classifyTimeoutMs }, message.content);
  if (usage) await recordTokens(quotas.table, caller, usage, deps.now());
  log.info('classified', { intent, source });
  recordMetric('messages', 1, { Intent: intent });
  if (intent === 'CHAT') {
    if (budget.spent) {
      await refuse('chat', tokenRefusal(budget.scope, budget.limit, budget.resetsAt));
      return STATUS.refused;
    }
    // Chat stores turns under the conversation, so a new conversation gets its id here.
    const chatContext = { requestId: message.requestId, conversationId: message.conversationId ?? deps.newId() };
    correlate({ conversationId: chatContext.conversationId });
    await handOffToChat(lambda, settings.chatFunctionName, caller, { ...chatContext, content: message.content });
    return statusOf(await reply(frame('ack', { intent }, chatContext)));
  }
  if (intent === 'BUILD') {
    const buildId = await startBuild(lambda, settings.buildKickoffFunctionName, caller, {
      request: message.content,
      conversationId: message.conversationId,
      requestId: message.requestId,
    });
    return statusOf(await reply(frame('ack', { intent, buildId }, context)));
  }
  const memoryId = await rememberFact(lambda, settings.memoryFunctionName, caller, message.content);
  return statusOf(await reply(frame('ack', { intent, memoryId }, context)));
}

/** Route status for a failure: the client's fault, overload, or a failed downstream call. */
function statusOfFailure(code: FrameErrorCode): number {
  if (code === 'BAD_REQUEST') return STATUS.badRequest;
  // A callee's answer about the request itself (a build that is not the caller's, or has moved on).
  if (code === 'FORBIDDEN') return STATUS.forbidden;
  if (code === 'NOT_FOUND') return STATUS.notFound;
  if (code === 'CONFLICT') return STATUS.conflict;
  // build-kickoff's refusal of a build, passed on with its retry hints.
  if (code === 'QUOTA_EXCEEDED') return STATUS.refused;
  if (code === 'THROTTLED' || code === 'UNAVAILABLE') return STATUS.unavailable;
  return STATUS.failed;
}

/** The caller's own data, always: the identity is the connection's, never anything the frame says. */
async function routeDataRequest(
  deps: RouterDeps,
  reply: Reply,
  caller: FrameCaller,
  request: DataRequestFrame & { readonly requestId: string },
): Promise<number> {
  const answer = await requestData(deps.lambda, deps.settings.userDataFunctionName, caller, { action: request.action, requestId: request.requestId });
  const payload = { action: request.action, ...(answer.url !== undefined ? { url: answer.url } : {}), counts: answer.counts };
  return statusOf(await reply(frame('data_ready', payload, { requestId: request.requestId })));
}

/**
 * A decision on a build, or its cancellation. Whether this caller may is checked in one place,
 * build-kickoff, against the build item (owner, or an admin of its org), with the caller taken from
 * the connection record; the answer is the build's status after it, as a `build_status` frame.
 */
async function routeBuildFrame(deps: RouterDeps, reply: Reply, caller: FrameCaller, request: BuildFrame & { readonly requestId: string }): Promise<number> {
  const functionName = deps.settings.buildKickoffFunctionName;
  const status =
    request.type === 'review_build'
      ? await reviewBuild(deps.lambda, functionName, caller, { buildId: request.buildId, decision: request.decision, reason: request.reason })
      : await cancelBuild(deps.lambda, functionName, caller, request.buildId);
  return statusOf(await reply(frame('build_status', { buildId: request.buildId, status }, { requestId: request.requestId })));
}
