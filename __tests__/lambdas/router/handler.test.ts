import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseCommand, ThrottlingException } from '@aws-sdk/client-bedrock-runtime';
import { InvokeCommand, LambdaClient, TooManyRequestsException, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { lambdaContext, websocketEvent } from '../../helpers/lambda-events';
import { quotaEnvironment } from '../../helpers/quotas';
import { handler } from '../../../lambdas/router';
import { MAX_FRAME_BYTES, type Memory } from '../../../lambdas/shared/contract';
import { captureOutput, metricValues, TELEMETRY_ENV, type CapturedOutput } from '../../helpers/telemetry';

const bedrock = mockClient(BedrockRuntimeClient);
const lambda = mockClient(LambdaClient);
const websocket = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;
/** What the router wrote to its log stream during the test (restored by restoreAllMocks). */
let output: CapturedOutput;

const CONNECTION = 'conn-router=';

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  Object.assign(process.env, {
    ...TELEMETRY_ENV,
    CONNECTIONS_TABLE: dynamo.tableName('connections'),
    WEBSOCKET_ENDPOINT: 'https://abc123.execute-api.us-west-2.amazonaws.com/test',
    ROUTER_MODEL_ID: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    CHAT_FUNCTION_NAME: 'fable-test-chat',
    BUILD_KICKOFF_FUNCTION_NAME: 'fable-test-build-kickoff',
    MEMORY_FUNCTION_NAME: 'fable-test-memory',
    USER_DATA_FUNCTION_NAME: 'fable-test-user-data',
    AUDIT_TABLE: dynamo.tableName('audit'),
    ...quotaEnvironment(dynamo),
  });
});

afterAll(() => dynamo.stop());

beforeEach(async () => {
  bedrock.reset();
  lambda.reset();
  websocket.reset();
  websocket.on(PostToConnectionCommand).resolves({});
  output = captureOutput();
  await putConnection(CONNECTION);
});

/** A connection as connection-manager stores it, its sign-in valid for `secondsLeft` more. */
const putConnection = (connectionId: string, secondsLeft = 3600, identity: Record<string, unknown> = {}) =>
  dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tableName('connections'),
      Item: {
        connectionId,
        userId: 'user-1',
        orgId: 'org-1',
        orgRole: 'admin',
        groups: ['admins'],
        expiresAt: Math.floor(Date.now() / 1000) + secondsLeft,
        ...identity,
      },
    }),
  );

afterEach(() => jest.restoreAllMocks());

const receive = (body: string | undefined, connectionId = CONNECTION) => handler(websocketEvent('$default', connectionId, { body }));

const framesSent = () =>
  websocket.commandCalls(PostToConnectionCommand).map((call) => ({
    connectionId: call.args[0].input.ConnectionId,
    ...JSON.parse(Buffer.from(call.args[0].input.Data as Uint8Array).toString('utf8')),
  }));

const classifiedAs = (intent: string) =>
  bedrock.on(ConverseCommand).resolves({
    output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't-1', name: 'classify_intent', input: { intent } } }] } },
    stopReason: 'tool_use',
  });

const invokeResult = (body: unknown, extra: Partial<InvokeCommandOutput> = {}): InvokeCommandOutput => ({
  $metadata: {},
  StatusCode: 200,
  Payload: Buffer.from(JSON.stringify(body)) as unknown as InvokeCommandOutput['Payload'],
  ...extra,
});
/** A memory as the memory function answers `create`. */
const storedMemory = (id: string, content: string): Memory => ({
  id,
  userId: 'user-1',
  orgId: 'org-1',
  scope: 'user',
  type: 'fact',
  content,
  importance: 0.5,
  tags: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const invokedPayload = (index = 0) => JSON.parse(Buffer.from(lambda.commandCalls(InvokeCommand)[index].args[0].input.Payload as Uint8Array).toString());

describe('router: frame validation', () => {
  it.each([
    ['malformed JSON', '{"type": "message", "content": ', 'frame is not valid JSON'],
    ['an unknown type', '{"type":"shout","content":"hi","requestId":"r-1"}', 'type must be one of ping, message, data_request, review_build, cancel_build'],
    ['blank content', '{"type":"message","content":"   "}', 'content must not be blank'],
    ['a malformed requestId', '{"type":"message","content":"hi","requestId":"has space"}', 'requestId must be 1-64 letters, digits, "_" or "-"'],
    ['a JSON array', '[1,2]', 'frame must be an object'],
    ['no body', undefined, 'frame is empty'],
  ])('answers %s with an error frame and 400, touching nothing else', async (_, body, message) => {
    expect(await receive(body)).toEqual({ statusCode: 400 });
    expect(framesSent()).toEqual([
      expect.objectContaining({ connectionId: CONNECTION, type: 'error', payload: { code: 'BAD_REQUEST', message } }),
    ]);
    expect(bedrock.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
  });

  it('echoes the well-formed ids of a rejected frame', async () => {
    await receive('{"type":"shout","requestId":"r-9","conversationId":"c-9"}');
    expect(framesSent()[0]).toMatchObject({ type: 'error', requestId: 'r-9', conversationId: 'c-9' });
  });

  it('measures the 32 KB limit in bytes, not characters', async () => {
    const content = 'é'.repeat(MAX_FRAME_BYTES / 2); // 2 bytes each: over the limit, though fewer characters
    expect(content.length).toBeLessThan(MAX_FRAME_BYTES);
    expect(await receive(JSON.stringify({ type: 'message', content }))).toEqual({ statusCode: 400 });
    expect(framesSent()[0].payload).toEqual({ code: 'BAD_REQUEST', message: `frame exceeds ${MAX_FRAME_BYTES} bytes` });
    expect(bedrock.calls()).toHaveLength(0);
  });

  it('refuses frames from a connection the table does not know', async () => {
    expect(await receive('{"type":"message","content":"hello","requestId":"r-2"}', 'conn-unknown')).toEqual({ statusCode: 403 });
    expect(framesSent()).toEqual([
      expect.objectContaining({ connectionId: 'conn-unknown', type: 'error', requestId: 'r-2', payload: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    expect(bedrock.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
  });

  it('refuses every frame of a connection whose sign-in has expired with UNAUTHORIZED (401), touching nothing else', async () => {
    await putConnection('conn-expired', -1);
    for (const body of ['{"type":"ping"}', '{"type":"message","content":"hello","requestId":"r-3"}', 'not json']) {
      expect(await receive(body, 'conn-expired')).toEqual({ statusCode: 401 });
    }
    expect(framesSent()).toEqual([
      { connectionId: 'conn-expired', type: 'error', payload: { code: 'UNAUTHORIZED', message: 'Your sign-in has expired; reconnect with a fresh token.' } },
      { connectionId: 'conn-expired', type: 'error', requestId: 'r-3', payload: expect.objectContaining({ code: 'UNAUTHORIZED' }) },
      { connectionId: 'conn-expired', type: 'error', payload: expect.objectContaining({ code: 'UNAUTHORIZED' }) },
    ]);
    expect(bedrock.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
  });

  it('refuses a connection stored before sign-in existed (no expiry, no org role) as expired', async () => {
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName('connections'), Item: { connectionId: 'conn-old', userId: 'anonymous', orgId: 'default' } }));
    expect(await receive('{"type":"ping"}', 'conn-old')).toEqual({ statusCode: 401 });
    expect(framesSent()[0].payload.code).toBe('UNAUTHORIZED');
  });

  it('answers a connection whose sign-in is still valid', async () => {
    await putConnection('conn-fresh', 5);
    expect(await receive('{"type":"ping"}', 'conn-fresh')).toEqual({ statusCode: 200 });
  });

  it('answers ping with pong without calling the model', async () => {
    expect(await receive('{"type":"ping"}')).toEqual({ statusCode: 200 });
    expect(framesSent()).toEqual([{ connectionId: CONNECTION, type: 'pong', payload: {} }]);
    expect(bedrock.calls()).toHaveLength(0);
  });
});

describe('router: intents', () => {
  it('classifies with a forced classify_intent tool call on the router model', async () => {
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await receive('{"type":"message","content":"how are you?"}');
    const input = bedrock.commandCalls(ConverseCommand)[0].args[0].input;
    expect(input.modelId).toBe('us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(input.toolConfig?.toolChoice).toEqual({ tool: { name: 'classify_intent' } });
    expect(input.toolConfig?.tools?.[0].toolSpec?.inputSchema?.json).toMatchObject({
      properties: { intent: { enum: ['CHAT', 'BUILD', 'MEMORY'] } },
    });
    expect(input.messages).toEqual([{ role: 'user', content: [{ text: 'how are you?' }] }]);
  });

  it('hands CHAT to chat asynchronously with generated ids, and acks with them', async () => {
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    expect(await receive('{"type":"message","content":"tell me a joke"}')).toEqual({ statusCode: 200 });
    const invoke = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(invoke).toMatchObject({ FunctionName: 'fable-test-chat', InvocationType: 'Event' });
    const payload = invokedPayload();
    expect(payload).toEqual({
      connectionId: CONNECTION,
      userId: 'user-1',
      orgId: 'org-1',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      conversationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      content: 'tell me a joke',
    });
    expect(framesSent()).toEqual([
      { connectionId: CONNECTION, type: 'ack', requestId: payload.requestId, conversationId: payload.conversationId, payload: { intent: 'CHAT' } },
    ]);
  });

  it('takes the caller only from the connection record: ids in the frame are ignored, and chat gets no field its event lacks', async () => {
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await receive('{"type":"message","content":"hi","userId":"mallory","orgId":"evil","orgRole":"admin","groups":["admins"]}');
    expect(Object.keys(invokedPayload()).sort()).toEqual(['connectionId', 'content', 'conversationId', 'orgId', 'requestId', 'userId']);
    expect(invokedPayload()).toMatchObject({ userId: 'user-1', orgId: 'org-1' });
  });

  it('keeps the client\'s requestId and conversationId', async () => {
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await receive('{"type":"message","content":"and another","requestId":"req-1","conversationId":"conv-1"}');
    expect(invokedPayload()).toMatchObject({ requestId: 'req-1', conversationId: 'conv-1' });
    expect(framesSent()[0]).toMatchObject({ requestId: 'req-1', conversationId: 'conv-1' });
  });

  it('starts a BUILD through build-kickoff and acks with the buildId', async () => {
    classifiedAs('BUILD');
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, buildId: 'b-1', status: 'pending' }));
    await receive('{"type":"message","content":"build a weather tool","requestId":"req-b","conversationId":"conv-b"}');
    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input).toMatchObject({
      FunctionName: 'fable-test-build-kickoff',
      InvocationType: 'RequestResponse',
    });
    expect(invokedPayload()).toEqual({
      action: 'start',
      payload: {
        request: 'build a weather tool',
        userId: 'user-1',
        orgId: 'org-1',
        connectionId: CONNECTION,
        conversationId: 'conv-b',
        idempotencyKey: 'req-b',
      },
    });
    expect(framesSent()).toEqual([
      { connectionId: CONNECTION, type: 'ack', requestId: 'req-b', conversationId: 'conv-b', payload: { intent: 'BUILD', buildId: 'b-1' } },
    ]);
  });

  it('stores a MEMORY through memory create and acks with the memoryId', async () => {
    classifiedAs('MEMORY');
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, memory: storedMemory('m-1', 'I like tea') }));
    await receive('{"type":"message","content":"I like tea","requestId":"req-m"}');
    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input.FunctionName).toBe('fable-test-memory');
    expect(invokedPayload()).toEqual({
      action: 'create',
      payload: { content: 'I like tea', scope: 'user', type: 'fact', userId: 'user-1', orgId: 'org-1' },
    });
    expect(framesSent()[0]).toMatchObject({ type: 'ack', requestId: 'req-m', payload: { intent: 'MEMORY', memoryId: 'm-1' } });
  });

  it('falls back to keywords when the model fails', async () => {
    bedrock.on(ConverseCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata: {} }));
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, memory: storedMemory('m-2', 'my cat is called Miso') }));
    await receive('{"type":"message","content":"Please remember that my cat is called Miso"}');
    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input.FunctionName).toBe('fable-test-memory');
    expect(framesSent()[0].payload).toEqual({ intent: 'MEMORY', memoryId: 'm-2' });
  });

  it('falls back to keywords when the model answers off-schema', async () => {
    classifiedAs('SING');
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, buildId: 'b-2', status: 'pending' }));
    await receive('{"type":"message","content":"Can you build me a tool that converts currencies?"}');
    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input.FunctionName).toBe('fable-test-build-kickoff');
  });
});

describe('router: logs and metrics', () => {
  const SECRET = 'my bank password is hunter2';
  const modelAnswers = (intent: string) =>
    bedrock.on(ConverseCommand).resolves({
      output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't-1', name: 'classify_intent', input: { intent } } }] } },
      stopReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 9, totalTokens: 129 },
    });
  const message = (content: string) => JSON.stringify({ type: 'message', content, requestId: 'req-log', conversationId: 'conv-log' });

  it('writes one JSON object per line, with its level, the Lambda context and the request’s correlation keys, and never the message', async () => {
    modelAnswers('CHAT');
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const context = lambdaContext(30_000, 'fable-test-router');
    await handler(websocketEvent('$default', CONNECTION, { body: message(SECRET) }), context);

    // Every line parses as one JSON object (records() throws otherwise).
    expect(output.records().length).toBe(output.lines().length);
    expect(output.logs()).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'classified',
        service: 'router',
        intent: 'CHAT',
        source: 'model',
        requestId: 'req-log',
        conversationId: 'conv-log',
        connectionId: CONNECTION,
        function_name: 'fable-test-router',
        function_request_id: context.awsRequestId,
      }),
    );
    expect(output.lines().join('\n')).not.toContain('hunter2');
  });

  it('drops the correlation keys once the invocation ends', async () => {
    modelAnswers('CHAT');
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await receive(message('first'));
    await receive('{"type":"message","content":"second"}');
    const classified = output.logs().filter((record) => record.message === 'classified');
    expect(classified.map((record) => record.requestId)).toEqual(['req-log', expect.not.stringMatching(/^req-log$/)]);
    expect(classified[1]).not.toHaveProperty('conversationId', 'conv-log');
  });

  it('publishes the message by intent and the model’s tokens as EMF: namespace FABLE, dimensions service and Stage', async () => {
    modelAnswers('CHAT');
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await receive(message('tell me a joke'));
    const emf = output.metrics();

    const [messages] = metricValues(emf, 'Messages');
    expect(messages.value).toBe(1);
    expect(messages.record).toMatchObject({ service: 'router', Stage: 'test', Intent: 'CHAT' });
    expect(messages.record._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'FABLE', Dimensions: [['service', 'Stage', 'Intent']], Metrics: [{ Name: 'Messages', Unit: 'Count' }] },
    ]);
    const tokens = Object.fromEntries(['ModelInputTokens', 'ModelOutputTokens'].map((name) => [name, metricValues(emf, name)]));
    expect(tokens.ModelInputTokens.map(({ value }) => value)).toEqual([120]);
    expect(tokens.ModelOutputTokens.map(({ value }) => value)).toEqual([9]);
    expect(tokens.ModelInputTokens[0].record._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'FABLE', Dimensions: [['service', 'Stage']] });
  });

  it.each([
    ['error', () => bedrock.on(ConverseCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata: {} }))],
    ['off-schema', () => modelAnswers('SING')],
  ])('counts a keyword fallback by its reason (%s)', async (reason, model) => {
    model();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await receive(message('what time is it?'));
    const fallbacks = metricValues(output.metrics(), 'ClassifierFallbacks');
    expect(fallbacks.map(({ value, record }) => ({ value, Reason: record.Reason, Stage: record.Stage }))).toEqual([{ value: 1, Reason: reason, Stage: 'test' }]);
    expect(output.logs()).toContainEqual(expect.objectContaining({ level: 'WARN', requestId: 'req-log' }));
  });
});

describe('router: data requests', () => {
  const URL = 'https://fable-test-artifacts.s3.us-west-2.amazonaws.com/exports/user-1/req-export.json?X-Amz-Expires=900';

  it('asks user-data to export the connection\'s own user, never an identity the frame names, and answers data_ready', async () => {
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, url: URL, counts: { memories: 2, conversations: 1 } }));
    const frame = { type: 'data_request', action: 'export', requestId: 'req-export', userId: 'someone-else', orgId: 'other-org' };
    expect(await receive(JSON.stringify(frame))).toEqual({ statusCode: 200 });

    expect(lambda.commandCalls(InvokeCommand).map((c) => ({ ...c.args[0].input, Payload: undefined }))).toEqual([
      { FunctionName: 'fable-test-user-data', InvocationType: 'RequestResponse', Payload: undefined },
    ]);
    expect(invokedPayload()).toEqual({ action: 'export', payload: { userId: 'user-1', orgId: 'org-1', requestId: 'req-export' } });
    expect(framesSent()).toEqual([
      { connectionId: CONNECTION, type: 'data_ready', requestId: 'req-export', payload: { action: 'export', url: URL, counts: { memories: 2, conversations: 1 } } },
    ]);
    expect(bedrock.calls()).toHaveLength(0);
  });

  it('gives an erase without a requestId a generated one, and answers with the counts', async () => {
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, counts: { memories: 0, connections: 1 } }));
    expect(await receive('{"type":"data_request","action":"erase"}')).toEqual({ statusCode: 200 });
    const { payload } = invokedPayload();
    expect(payload).toEqual({ userId: 'user-1', orgId: 'org-1', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(framesSent()).toEqual([
      { connectionId: CONNECTION, type: 'data_ready', requestId: payload.requestId, payload: { action: 'erase', counts: { memories: 0, connections: 1 } } },
    ]);
  });

  it.each([
    ['an unknown action', '{"type":"data_request","action":"delete"}', 'action must be one of export, erase'],
    ['a malformed requestId', '{"type":"data_request","action":"export","requestId":"a/b"}', 'requestId must be 1-64 letters, digits, "_" or "-"'],
  ])('answers %s with BAD_REQUEST and invokes nothing', async (_, body, message) => {
    expect(await receive(body)).toEqual({ statusCode: 400 });
    expect(framesSent()[0].payload).toEqual({ code: 'BAD_REQUEST', message });
    expect(lambda.calls()).toHaveLength(0);
  });

  it('passes user-data\'s own refusal to the client', async () => {
    lambda.on(InvokeCommand).resolves(invokeResult({ success: false, error: { code: 'CONFLICT', message: 'requestId r-1 was used for an export' } }));
    expect(await receive('{"type":"data_request","action":"erase","requestId":"r-1"}')).toEqual({ statusCode: 409 });
    expect(framesSent()).toEqual([
      { connectionId: CONNECTION, type: 'error', requestId: 'r-1', payload: { code: 'CONFLICT', message: 'requestId r-1 was used for an export' } },
    ]);
  });

  it('refuses a data request from a connection the table does not know, without invoking user-data', async () => {
    expect(await receive('{"type":"data_request","action":"erase","requestId":"r-2"}', 'conn-unknown')).toEqual({ statusCode: 403 });
    expect(lambda.calls()).toHaveLength(0);
  });
});

describe('router: build reviews and cancels', () => {
  const BUILD_ID = '0b6f3c8e-2d4a-4e1f-9a7b-5c3d2e1f0a9b';

  it('hands a review to build-kickoff with the caller from the connection record (never the frame) and answers build_status', async () => {
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, buildId: BUILD_ID, status: 'rejected' }));
    const frame = { type: 'review_build', buildId: BUILD_ID, decision: 'reject', reason: 'Too broad', requestId: 'rev-1', userId: 'someone-else' };
    expect(await receive(JSON.stringify(frame))).toEqual({ statusCode: 200 });

    expect(lambda.commandCalls(InvokeCommand).map((c) => [c.args[0].input.FunctionName, c.args[0].input.InvocationType])).toEqual([
      ['fable-test-build-kickoff', 'RequestResponse'],
    ]);
    expect(invokedPayload()).toEqual({
      action: 'review',
      payload: { buildId: BUILD_ID, decision: 'reject', reason: 'Too broad', caller: { userId: 'user-1', orgId: 'org-1', orgRole: 'admin', groups: ['admins'] } },
    });
    expect(framesSent()).toEqual([{ connectionId: CONNECTION, type: 'build_status', requestId: 'rev-1', payload: { buildId: BUILD_ID, status: 'rejected' } }]);
    expect(bedrock.calls()).toHaveLength(0);
  });

  it('hands a cancel to build-kickoff and tells the client the build is cancelled', async () => {
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, buildId: BUILD_ID, status: 'cancelled' }));
    expect(await receive(JSON.stringify({ type: 'cancel_build', buildId: BUILD_ID, requestId: 'stop-1' }))).toEqual({ statusCode: 200 });
    expect(invokedPayload()).toEqual({
      action: 'cancel',
      payload: { buildId: BUILD_ID, caller: { userId: 'user-1', orgId: 'org-1', orgRole: 'admin', groups: ['admins'] } },
    });
    expect(framesSent()).toEqual([{ connectionId: CONNECTION, type: 'build_status', requestId: 'stop-1', payload: { buildId: BUILD_ID, status: 'cancelled' } }]);
  });

  it.each([
    ['FORBIDDEN', 'only the build\'s owner or an admin of its org may do this', 403],
    ['NOT_FOUND', `Build ${BUILD_ID} not found`, 404],
    ['CONFLICT', `Build ${BUILD_ID} was already approved`, 409],
  ])("passes build-kickoff's %s to the client, with the route status that says so", async (code, message, statusCode) => {
    lambda.on(InvokeCommand).resolves(invokeResult({ success: false, error: { code, message } }));
    expect(await receive(JSON.stringify({ type: 'cancel_build', buildId: BUILD_ID, requestId: 'stop-2' }))).toEqual({ statusCode });
    expect(framesSent()).toEqual([{ connectionId: CONNECTION, type: 'error', requestId: 'stop-2', payload: { code, message } }]);
  });

  it.each([
    ['a buildId that is not a UUID', '{"type":"cancel_build","buildId":"b-1"}', 'buildId must be a UUID'],
    ['an unknown decision', `{"type":"review_build","buildId":"${BUILD_ID}","decision":"maybe"}`, 'decision must be one of approve, reject'],
    ['a review without a decision', `{"type":"review_build","buildId":"${BUILD_ID}"}`, 'decision must be one of approve, reject'],
  ])('answers %s with BAD_REQUEST and invokes nothing', async (_, body, message) => {
    expect(await receive(body)).toEqual({ statusCode: 400 });
    expect(framesSent()[0].payload).toEqual({ code: 'BAD_REQUEST', message });
    expect(lambda.calls()).toHaveLength(0);
  });
});

describe('router: failures', () => {
  it('passes a callee\'s own error to the client', async () => {
    classifiedAs('BUILD');
    lambda.on(InvokeCommand).resolves(invokeResult({ success: false, error: { code: 'BAD_REQUEST', message: 'request is too long' } }));
    expect(await receive('{"type":"message","content":"build a tool","requestId":"req-x"}')).toEqual({ statusCode: 400 });
    expect(framesSent()).toEqual([
      { connectionId: CONNECTION, type: 'error', requestId: 'req-x', payload: { code: 'BAD_REQUEST', message: 'request is too long' } },
    ]);
  });

  it('reports a throttled hand-off as THROTTLED without SDK details', async () => {
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).rejects(new TooManyRequestsException({ message: 'Rate exceeded for arn:aws:lambda:...', $metadata: {} }));
    expect(await receive('{"type":"message","content":"hi","requestId":"req-t"}')).toEqual({ statusCode: 503 });
    expect(framesSent()).toEqual([
      { connectionId: CONNECTION, type: 'error', requestId: 'req-t', payload: { code: 'THROTTLED', message: 'FABLE is busy; try again shortly.' } },
    ]);
  });

  it('reports a callee answering outside its response contract as INTERNAL', async () => {
    classifiedAs('MEMORY');
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, memory: { id: 'm-3' } }));
    expect(await receive('{"type":"message","content":"remember this"}')).toEqual({ statusCode: 502 });
    expect(framesSent()[0].payload).toEqual({ code: 'INTERNAL', message: 'Internal error' });
  });

  it('answers 400 to an event without a connection, sending nothing', async () => {
    expect(await handler(websocketEvent('$default', undefined, { body: '{"type":"ping"}' }))).toEqual({ statusCode: 400 });
    expect(websocket.calls()).toHaveLength(0);
  });

  it('reports a crashed callee as INTERNAL', async () => {
    classifiedAs('MEMORY');
    lambda.on(InvokeCommand).resolves(invokeResult({ errorMessage: 'boom' }, { FunctionError: 'Unhandled' }));
    expect(await receive('{"type":"message","content":"remember this"}')).toEqual({ statusCode: 502 });
    expect(framesSent()[0].payload).toEqual({ code: 'INTERNAL', message: 'Internal error' });
  });

  it('deletes a connection that is gone when its reply is posted', async () => {
    websocket.on(PostToConnectionCommand).rejects(new GoneException({ message: 'gone', $metadata: {} }));
    expect(await receive('{"type":"ping"}')).toEqual({ statusCode: 410 });
    const item = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('connections'), Key: { connectionId: CONNECTION } }));
    expect(item.Item).toBeUndefined();
  });
});
