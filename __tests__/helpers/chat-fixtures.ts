import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { QueryCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { LocalDynamo } from '../../scripts/local/dynamodb-local';
import type { ChatDeps } from '../../lambdas/chat/answer';
import type { ChatEvent, MemorySearchHit } from '../../lambdas/shared/contract';
import { TELEMETRY_ENV } from './telemetry';
import { captureOutput, type CapturedOutput } from './telemetry';

export const CONNECTION = 'conn-chat=';
export const ENDPOINT = 'https://abc123.execute-api.us-west-2.amazonaws.com/test';
export const CHAT_MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
export const TOOL_FUNCTION_PREFIX = 'fable-test-tool-';

export function chatEnvironment(dynamo: LocalDynamo): Record<string, string> {
  return {
    ...TELEMETRY_ENV,
    CONNECTIONS_TABLE: dynamo.tableName('connections'),
    CONVERSATIONS_TABLE: dynamo.tableName('conversations'),
    TOOLS_TABLE: dynamo.tableName('tools'),
    WEBSOCKET_ENDPOINT: ENDPOINT,
    CHAT_MODEL_ID: CHAT_MODEL,
    MEMORY_FUNCTION_NAME: 'fable-test-memory',
    TOOL_FUNCTION_PREFIX,
    AUDIT_TABLE: dynamo.tableName('audit'),
    QUOTAS_TABLE: dynamo.tableName('quotas'),
  };
}

/** Deps for calling answerMessage directly (real DynamoDB engine, mocked clients). */
export function chatDeps(dynamo: LocalDynamo, overrides: Partial<ChatDeps> = {}): ChatDeps {
  let id = 0;
  return {
    dynamo: dynamo.doc,
    websocket: new ApiGatewayManagementApiClient({ endpoint: ENDPOINT }),
    bedrock: new BedrockRuntimeClient({}),
    lambda: new LambdaClient({}),
    settings: {
      connectionsTable: dynamo.tableName('connections'),
      conversationsTable: dynamo.tableName('conversations'),
      toolsTable: dynamo.tableName('tools'),
      chatModelId: CHAT_MODEL,
      memoryFunctionName: 'fable-test-memory',
      toolFunctionPrefix: TOOL_FUNCTION_PREFIX,
      auditTable: dynamo.tableName('audit'),
      quotasTable: dynamo.tableName('quotas'),
    },
    newId: () => `id-${++id}`,
    now: () => new Date(),
    ...overrides,
  };
}

export function chatEvent(overrides: Partial<ChatEvent> = {}): ChatEvent {
  return {
    connectionId: CONNECTION,
    userId: 'user-1',
    orgId: 'org-1',
    requestId: 'req-1',
    conversationId: 'conv-1',
    content: 'What is the weather in Paris?',
    ...overrides,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A ConverseStream event stream, optionally pausing before each event. */
export async function* eventStream(events: readonly ConverseStreamOutput[], delayMs = 0): AsyncGenerator<ConverseStreamOutput> {
  for (const event of events) {
    if (delayMs > 0) await sleep(delayMs);
    yield event;
  }
}

export const textDelta = (text: string, index = 0): ConverseStreamOutput => ({ contentBlockDelta: { contentBlockIndex: index, delta: { text } } });

/** The events of a plain text answer, token by token. */
export function textAnswer(tokens: readonly string[]): ConverseStreamOutput[] {
  return [
    { messageStart: { role: 'assistant' } },
    ...tokens.map((token) => textDelta(token)),
    { contentBlockStop: { contentBlockIndex: 0 } },
    { messageStop: { stopReason: 'end_turn' } },
    { metadata: { usage: { inputTokens: 10, outputTokens: tokens.length, totalTokens: 10 + tokens.length }, metrics: { latencyMs: 5 } } },
  ];
}

/** The events of an answer that says something, then calls a tool with JSON input sent in pieces. */
export function toolCallAnswer(text: string, tool: { id: string; name: string; inputPieces: string[] }): ConverseStreamOutput[] {
  return [
    { messageStart: { role: 'assistant' } },
    ...(text ? [textDelta(text)] : []),
    { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: tool.id, name: tool.name } } } },
    ...tool.inputPieces.map((input) => ({ contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input } } } })),
    { contentBlockStop: { contentBlockIndex: 1 } },
    { messageStop: { stopReason: 'tool_use' } },
  ];
}

/** Make each ConverseStream call answer with the next event list (a fresh stream per call). */
export function answerWith(bedrock: AwsStub<any, any, any>, ...answers: ConverseStreamOutput[][]): void {
  let call = 0;
  bedrock.on(ConverseStreamCommand).callsFake(() => {
    const events = answers[Math.min(call++, answers.length - 1)];
    return { stream: eventStream(events) };
  });
}

export interface SentFrame {
  readonly type: string;
  readonly requestId?: string;
  readonly conversationId?: string;
  readonly payload: any;
}

export function framesSent(websocket: AwsStub<any, any, any>): SentFrame[] {
  return websocket
    .commandCalls(PostToConnectionCommand)
    .map((call) => JSON.parse(Buffer.from(call.args[0].input.Data as Uint8Array).toString('utf8')));
}

/** A memory as the memory function's `search` answers it. */
export const memoryHit = (content: string, similarity: number): MemorySearchHit => ({
  id: '7b2d0c8e-4a5f-4c1e-9f7a-2b3c4d5e6f70',
  userId: 'user-1',
  orgId: 'org-1',
  scope: 'user',
  type: 'note',
  content,
  importance: 0.5,
  tags: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  similarity,
});

/** An Invoke response carrying a JSON result (the SDK's blob type is a Uint8Array with helpers). */
export const invokeResult = (body: unknown, extra: Partial<InvokeCommandOutput> = {}): InvokeCommandOutput => ({
  $metadata: {},
  StatusCode: 200,
  Payload: Buffer.from(JSON.stringify(body)) as unknown as InvokeCommandOutput['Payload'],
  ...extra,
});

export async function conversationItems(dynamo: LocalDynamo, conversationId: string): Promise<Record<string, any>[]> {
  const result = await dynamo.doc.send(
    new QueryCommand({
      TableName: dynamo.tableName('conversations'),
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `CONV#${conversationId}` },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

export async function putTool(dynamo: LocalDynamo, toolName: string, orgId: string, functionName = `fable-test-tool-${toolName}`): Promise<void> {
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tableName('tools'),
      Item: {
        PK: `TOOL#${toolName}`,
        SK: 'META',
        GSI1PK: `ORG#${orgId}`,
        GSI1SK: `TOOL#${toolName}`,
        toolName,
        functionName,
        schema: {
          name: toolName,
          description: `The ${toolName} tool`,
          inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    }),
  );
}

/** Where every chat test starts: frames post fine, the memory search finds nothing, and the function's output is captured (restored by `jest.restoreAllMocks`). */
export function resetChatMocks(mocks: { bedrock: AwsStub<any, any, any>; lambda: AwsStub<any, any, any>; websocket: AwsStub<any, any, any> }): CapturedOutput {
  mocks.bedrock.reset();
  mocks.lambda.reset();
  mocks.websocket.reset();
  mocks.websocket.on(PostToConnectionCommand).resolves({});
  mocks.lambda.on(InvokeCommand, { FunctionName: 'fable-test-memory' }).resolves(invokeResult({ success: true, memories: [] }));
  return captureOutput();
}
