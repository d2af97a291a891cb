import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { ClientFrame, FrameErrorCode, ServerFrame } from '../shared/contract';
import { errorPayload } from '../shared/frame-errors';
import { describeError, HandlerError } from '../shared/responses';
import { frame, sendToConnection, type SendOutcome } from '../shared/websocket';
import { classifyIntent } from './intent';
import { handOffToChat, rememberFact, requestData, startBuild } from './dispatch';
import { echoContext, parseClientFrame, type FrameContext } from './frames';

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
  /** Ids for requests and conversations the client did not name. */
  readonly newId: () => string;
}

export interface InboundFrame {
  readonly connectionId: string;
  readonly body: string | null | undefined;
  readonly isBase64Encoded?: boolean;
}

/** The identity stored with a connection at `$connect`. */
const storedIdentity = z.object({ userId: z.string().min(1), orgId: z.string().min(1) });
type Identity = z.output<typeof storedIdentity>;

type Reply = (message: ServerFrame) => Promise<SendOutcome>;
type MessageFrame = Extract<ClientFrame, { type: 'message' }>;
type DataRequestFrame = Extract<ClientFrame, { type: 'data_request' }>;

/** Route statuses (API Gateway logs them; the client learns outcomes from frames). */
const STATUS = { ok: 200, badRequest: 400, forbidden: 403, gone: 410, failed: 502, unavailable: 503 } as const;

const statusOf = (outcome: SendOutcome) => (outcome === 'gone' ? STATUS.gone : STATUS.ok);

/**
 * Handle one `$default` frame: validate it, answer pings, classify messages and hand them to
 * chat, build-kickoff or memory, and pass data requests to user-data. A bad frame gets an
 * `error` frame and touches nothing else.
 */
export async function routeFrame(deps: RouterDeps, inbound: InboundFrame): Promise<number> {
  const sender = { websocket: deps.websocket, dynamo: deps.dynamo, connectionsTable: deps.settings.connectionsTable };
  const reply: Reply = (message) => sendToConnection(sender, inbound.connectionId, message);

  let clientFrame: ClientFrame;
  try {
    clientFrame = parseClientFrame(inbound.body, inbound.isBase64Encoded);
  } catch (error) {
    if (!(error instanceof HandlerError)) throw error;
    await reply(frame('error', { code: error.code, message: error.message }, echoContext(inbound.body)));
    return STATUS.badRequest;
  }

  // Every message and data request gets a requestId (its idempotency key), generated when the client sent none.
  const request = clientFrame.type === 'ping' ? undefined : { ...clientFrame, requestId: clientFrame.requestId ?? deps.newId() };
  const context: FrameContext = request
    ? { requestId: request.requestId, ...(request.type === 'message' ? { conversationId: request.conversationId } : {}) }
    : {};
  try {
    const identity = await connectionIdentity(deps, inbound.connectionId);
    if (!identity) {
      await reply(frame('error', { code: 'FORBIDDEN', message: 'Unknown connection; reconnect.' }, context));
      return STATUS.forbidden;
    }
    if (!request) return statusOf(await reply(frame('pong', {})));
    if (request.type === 'data_request') return await routeDataRequest(deps, reply, identity, request);
    return await routeMessage(deps, reply, { ...identity, connectionId: inbound.connectionId }, request, context);
  } catch (error) {
    const payload = errorPayload(error);
    console.error(JSON.stringify({ level: 'ERROR', message: 'frame failed', ...context, error: describeError(error) }));
    await reply(frame('error', payload, context));
    return statusOfFailure(payload.code);
  }
}

/** The identity stored at `$connect`; undefined for a connection the table does not know. */
async function connectionIdentity(deps: RouterDeps, connectionId: string): Promise<Identity | undefined> {
  const result = await deps.dynamo.send(
    new GetCommand({
      TableName: deps.settings.connectionsTable,
      Key: { connectionId },
      ConsistentRead: true,
      ProjectionExpression: 'userId, orgId',
    }),
  );
  const identity = storedIdentity.safeParse(result.Item);
  return identity.success ? identity.data : undefined;
}

async function routeMessage(
  deps: RouterDeps,
  reply: Reply,
  caller: Identity & { readonly connectionId: string },
  message: MessageFrame & { readonly requestId: string },
  context: FrameContext,
): Promise<number> {
  const { settings, lambda } = deps;
  const { intent, source } = await classifyIntent(
    deps.bedrock,
    { modelId: settings.routerModelId, timeoutMs: settings.classifyTimeoutMs },
    message.content,
  );
  console.log(JSON.stringify({ level: 'INFO', message: 'classified', intent, source, requestId: message.requestId }));
  if (intent === 'CHAT') {
    // Chat stores turns under the conversation, so a new conversation gets its id here.
    const chatContext = { requestId: message.requestId, conversationId: message.conversationId ?? deps.newId() };
    await handOffToChat(lambda, settings.chatFunctionName, { ...caller, ...chatContext, content: message.content });
    return statusOf(await reply(frame('ack', { intent }, chatContext)));
  }
  if (intent === 'BUILD') {
    const buildId = await startBuild(lambda, settings.buildKickoffFunctionName, {
      ...caller,
      request: message.content,
      conversationId: message.conversationId,
      requestId: message.requestId,
    });
    return statusOf(await reply(frame('ack', { intent, buildId }, context)));
  }
  const memoryId = await rememberFact(lambda, settings.memoryFunctionName, {
    content: message.content,
    userId: caller.userId,
    orgId: caller.orgId,
  });
  return statusOf(await reply(frame('ack', { intent, memoryId }, context)));
}

/** The caller's own data, always: the identity is the connection's, never anything the frame says. */
async function routeDataRequest(
  deps: RouterDeps,
  reply: Reply,
  caller: Identity,
  request: DataRequestFrame & { readonly requestId: string },
): Promise<number> {
  const answer = await requestData(deps.lambda, deps.settings.userDataFunctionName, { ...caller, action: request.action, requestId: request.requestId });
  const payload = { action: request.action, ...(answer.url !== undefined ? { url: answer.url } : {}), counts: answer.counts };
  return statusOf(await reply(frame('data_ready', payload, { requestId: request.requestId })));
}

/** Route status for a failure: the client's fault, overload, or a failed downstream call. */
function statusOfFailure(code: FrameErrorCode): number {
  if (code === 'BAD_REQUEST') return STATUS.badRequest;
  if (code === 'THROTTLED' || code === 'UNAVAILABLE') return STATUS.unavailable;
  return STATUS.failed;
}
