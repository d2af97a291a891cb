import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { handler } from '../../../lambdas/chat';
import { HISTORY_MESSAGES } from '../../../lambdas/chat/history';
import { lambdaContext as contextWithTimeLeft } from '../../helpers/lambda-events';
import { dynamoDocumentClient } from '../../../lambdas/shared/clients/dynamodb';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import {
  answerWith,
  CHAT_MODEL,
  chatEnvironment,
  chatEvent,
  CONNECTION,
  conversationItems,
  framesSent,
  invokeResult,
  memoryHit,
  putTool,
  textAnswer,
  toolCallAnswer,
  resetChatMocks,
} from '../../helpers/chat-fixtures';
import { metricValues, type CapturedOutput } from '../../helpers/telemetry';

const bedrock = mockClient(BedrockRuntimeClient);
const lambda = mockClient(LambdaClient);
const websocket = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;
/** chat's log stream during the test. */
let output: CapturedOutput;
const lambdaContext = contextWithTimeLeft(120_000);

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  Object.assign(process.env, chatEnvironment(dynamo));
});

afterAll(() => dynamo.stop());

beforeEach(async () => {
  output = resetChatMocks({ bedrock, lambda, websocket });
  await dynamo.doc.send(
    new PutCommand({ TableName: dynamo.tableName('connections'), Item: { connectionId: CONNECTION, userId: 'user-1', orgId: 'org-1' } }),
  );
});

afterEach(() => jest.restoreAllMocks());

const messages = (items: Record<string, any>[]) => items.filter((item) => item.SK.startsWith('MSG#'));

describe('chat: a reply', () => {
  it('streams chunks, completes with the full text and stores both turns with the conversation META', async () => {
    answerWith(bedrock, textAnswer(['Hello', ' there', ', friend.']));
    const event = chatEvent({ conversationId: 'conv-happy', requestId: 'req-happy', content: 'Hi!' });
    expect(await handler(event, lambdaContext)).toEqual({ outcome: 'completed' });

    const frames = framesSent(websocket);
    const chunks = frames.filter((f) => f.type === 'chat_chunk');
    expect(chunks[0].payload.text).toBe('Hello'); // the first token leaves on its own
    expect(chunks.map((f) => f.payload.text).join('')).toBe('Hello there, friend.');
    const complete = frames[frames.length - 1];
    expect(complete).toEqual({
      type: 'chat_complete',
      requestId: 'req-happy',
      conversationId: 'conv-happy',
      payload: { messageId: expect.any(String), text: 'Hello there, friend.' },
    });
    expect(frames.every((f) => f.requestId === 'req-happy' && f.conversationId === 'conv-happy')).toBe(true);
    expect(websocket.commandCalls(PostToConnectionCommand).every((c) => c.args[0].input.ConnectionId === CONNECTION)).toBe(true);

    const items = await conversationItems(dynamo, 'conv-happy');
    const [user, assistant] = messages(items);
    expect(user).toMatchObject({ role: 'user', content: 'Hi!', requestId: 'req-happy', userId: 'user-1', SK: expect.stringMatching(/^MSG#.+#0000$/) });
    expect(assistant).toMatchObject({ role: 'assistant', content: 'Hello there, friend.', messageId: complete.payload.messageId });
    expect(assistant.ttl).toBeGreaterThan(Date.now() / 1000);
    expect(items.find((i) => i.SK === 'META')).toMatchObject({
      userId: 'user-1',
      orgId: 'org-1',
      GSI1PK: 'USER#user-1',
      GSI1SK: expect.stringMatching(/^CONV#\d{4}-/),
    });
    // The request's record was completed by the same transaction that stored the turn.
    expect(items.filter((i) => i.SK.startsWith('REQ#'))).toEqual([expect.objectContaining({ status: 'COMPLETED', outcome: 'completed' })]);
  });

  it('sends the chat model the recent history, oldest first, then the new message', async () => {
    const put = (sk: string, role: string, content: string) =>
      dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName('conversations'), Item: { PK: 'CONV#conv-hist', SK: sk, role, content } }));
    await dynamo.doc.send(
      new PutCommand({ TableName: dynamo.tableName('conversations'), Item: { PK: 'CONV#conv-hist', SK: 'META', userId: 'user-1' } }),
    );
    for (let i = 0; i < 30; i++) {
      await put(`MSG#2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z#${String(i % 2).padStart(4, '0')}`, i % 2 ? 'assistant' : 'user', `turn ${i}`);
    }
    answerWith(bedrock, textAnswer(['ok']));
    await handler(chatEvent({ conversationId: 'conv-hist', requestId: 'req-hist', content: 'next' }), lambdaContext);

    const input = bedrock.commandCalls(ConverseStreamCommand)[0].args[0].input;
    expect(input.modelId).toBe(CHAT_MODEL);
    const texts = input.messages!.map((m) => `${m.role}:${m.content!.map((c) => c.text).join('|')}`);
    expect(texts).toHaveLength(HISTORY_MESSAGES + 1);
    expect(texts[0]).toBe('user:turn 10');
    expect(texts[HISTORY_MESSAGES - 1]).toBe('assistant:turn 29');
    expect(texts[HISTORY_MESSAGES]).toBe('user:next');
  });

  it('puts the memories found for the message into the system prompt', async () => {
    lambda
      .on(InvokeCommand, { FunctionName: 'fable-test-memory' })
      .resolves(invokeResult({ success: true, memories: [memoryHit('The user lives in Paris', 0.9)] }));
    answerWith(bedrock, textAnswer(['Sunny.']));
    await handler(chatEvent({ conversationId: 'conv-mem', requestId: 'req-mem' }), lambdaContext);

    const search = lambda.commandCalls(InvokeCommand, { FunctionName: 'fable-test-memory' })[0].args[0].input;
    expect(JSON.parse(Buffer.from(search.Payload as Uint8Array).toString())).toEqual({
      action: 'search',
      payload: { query: 'What is the weather in Paris?', limit: 5, userId: 'user-1', orgId: 'org-1' },
    });
    const system = bedrock.commandCalls(ConverseStreamCommand)[0].args[0].input.system![0].text!;
    expect(system).toContain('- The user lives in Paris');
  });

  it('answers without memories when the memory function fails', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'fable-test-memory' }).rejects(new Error('memory is down'));
    answerWith(bedrock, textAnswer(['Still here.']));
    expect(await handler(chatEvent({ conversationId: 'conv-nomem', requestId: 'req-nomem' }), lambdaContext)).toEqual({
      outcome: 'completed',
    });
    const system = bedrock.commandCalls(ConverseStreamCommand)[0].args[0].input.system![0].text!;
    expect(system).not.toContain('remember that may be relevant');
    expect(framesSent(websocket).pop()).toMatchObject({ type: 'chat_complete', payload: { text: 'Still here.' } });
  });

  it('refuses another user\'s conversation without calling the model or storing anything', async () => {
    await dynamo.doc.send(
      new PutCommand({ TableName: dynamo.tableName('conversations'), Item: { PK: 'CONV#conv-theirs', SK: 'META', userId: 'user-2' } }),
    );
    expect(await handler(chatEvent({ conversationId: 'conv-theirs', requestId: 'req-theirs' }), lambdaContext)).toEqual({
      outcome: 'forbidden',
    });
    expect(framesSent(websocket)).toEqual([
      expect.objectContaining({ type: 'error', payload: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    expect(bedrock.calls()).toHaveLength(0);
    expect(await conversationItems(dynamo, 'conv-theirs')).toHaveLength(1);
    expect((await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((e) => e.target === 'conversation:conv-theirs')).toEqual([
      storedEvent({
        type: 'forbidden',
        orgId: 'org-1',
        userId: 'user-1',
        actor: 'user:user-1',
        target: 'conversation:conv-theirs',
        outcome: 'denied',
        detail: { action: 'conversation.write' },
      }),
    ]);
  });

  it('throws a refusal it cannot record, before telling the client, so Lambda\'s retry refuses (and records) it', async () => {
    await dynamo.doc.send(
      new PutCommand({ TableName: dynamo.tableName('conversations'), Item: { PK: 'CONV#conv-unrecorded', SK: 'META', userId: 'user-2' } }),
    );
    const client = dynamoDocumentClient();
    const send = client.send.bind(client);
    jest.spyOn(client, 'send').mockImplementation(((command: unknown) =>
      command instanceof PutCommand
        ? Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }))
        : send(command as never)) as never);
    const event = chatEvent({ conversationId: 'conv-unrecorded', requestId: 'req-unrecorded' });
    await expect(handler(event, lambdaContext)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(framesSent(websocket)).toEqual([]);

    jest.mocked(client.send).mockRestore();
    expect(await handler(event, lambdaContext)).toEqual({ outcome: 'forbidden' });
    expect((await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((e) => e.target === 'conversation:conv-unrecorded')).toHaveLength(1);
  });

  it('rejects a malformed event without touching anything', async () => {
    expect(await handler({ connectionId: CONNECTION, requestId: 'bad id' }, lambdaContext)).toEqual({ outcome: 'rejected' });
    expect(bedrock.calls()).toHaveLength(0);
    expect(websocket.calls()).toHaveLength(0);
  });
});

describe('chat: logs and metrics', () => {
  it('logs the outcome with the request’s correlation keys and the Lambda context, and never the message or the reply', async () => {
    answerWith(bedrock, textAnswer(['The answer', ' is 42.']));
    await handler(chatEvent({ conversationId: 'conv-obs', requestId: 'req-obs', content: 'my secret plan' }), lambdaContext);
    const finished = output.logs().find((record) => record.message === 'chat finished');
    expect(finished).toMatchObject({
      level: 'INFO',
      service: 'chat',
      outcome: 'completed',
      requestId: 'req-obs',
      conversationId: 'conv-obs',
      connectionId: CONNECTION,
      function_request_id: lambdaContext.awsRequestId,
    });
    const written = output.lines().join('\n');
    expect(written).not.toContain('my secret plan');
    expect(written).not.toContain('The answer');
  });

  it('publishes its first-chunk and total latency and the model’s tokens, per reply', async () => {
    answerWith(bedrock, textAnswer(['Hello', ' there.']));
    await handler(chatEvent({ conversationId: 'conv-latency', requestId: 'req-latency' }), lambdaContext);
    const emf = output.metrics();
    const [first] = metricValues(emf, 'ChatFirstChunkLatency');
    const [total] = metricValues(emf, 'ChatTotalLatency');
    expect(first.value).toEqual(expect.any(Number));
    expect(total.value as number).toBeGreaterThanOrEqual(first.value as number);
    expect(first.record).toMatchObject({ service: 'chat', Stage: 'test' });
    expect(first.record._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'FABLE', Dimensions: [['service', 'Stage']] });
    expect(metricValues(emf, 'ModelInputTokens').map(({ value }) => value)).toEqual([10]);
    expect(metricValues(emf, 'ModelOutputTokens').map(({ value }) => value)).toEqual([2]);
  });

  it('counts each tool call, and each failed one, with the tool’s name as metadata', async () => {
    await putTool(dynamo, 'weather', 'org-1');
    answerWith(
      bedrock,
      toolCallAnswer('Let me check.', { id: 'tu-1', name: 'weather', inputPieces: ['{"city":"Paris"}'] }),
      textAnswer(['It is unknown.']),
    );
    lambda.on(InvokeCommand, { FunctionName: 'fable-test-tool-weather' }).resolves(invokeResult({ success: false, error: 'no data' }));
    await handler(chatEvent({ conversationId: 'conv-tools', requestId: 'req-tools' }), lambdaContext);
    const emf = output.metrics();
    for (const name of ['ToolCalls', 'ToolErrors']) {
      expect(metricValues(emf, name).map(({ value, record }) => ({ value, toolName: record.toolName, Stage: record.Stage }))).toEqual([
        { value: 1, toolName: 'weather', Stage: 'test' },
      ]);
    }
  });
});

describe('chat: idempotency', () => {
  it('does nothing when the same request is delivered again after it was answered', async () => {
    answerWith(bedrock, textAnswer(['Once.']));
    const event = chatEvent({ conversationId: 'conv-dup', requestId: 'req-dup' });
    expect(await handler(event, lambdaContext)).toEqual({ outcome: 'completed' });
    const framesAfterFirst = framesSent(websocket).length;
    expect(await handler(event, lambdaContext)).toEqual({ outcome: 'duplicate' });
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
    expect(framesSent(websocket)).toHaveLength(framesAfterFirst);
    expect(messages(await conversationItems(dynamo, 'conv-dup'))).toHaveLength(2);
  });
});

describe('chat: a vanished connection', () => {
  it('stops the reply, deletes the connection and stores nothing', async () => {
    websocket.on(PostToConnectionCommand).rejects(new GoneException({ message: 'gone', $metadata: {} }));
    answerWith(bedrock, textAnswer(['Nobody', ' is', ' listening', '.']));
    const event = chatEvent({ conversationId: 'conv-gone', requestId: 'req-gone' });
    expect(await handler(event, lambdaContext)).toEqual({ outcome: 'gone' });

    expect(websocket.commandCalls(PostToConnectionCommand)).toHaveLength(1);
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
    const connection = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('connections'), Key: { connectionId: CONNECTION } }));
    expect(connection.Item).toBeUndefined();
    const items = await conversationItems(dynamo, 'conv-gone');
    expect(messages(items)).toHaveLength(0);

    expect(await handler(event, lambdaContext)).toEqual({ outcome: 'duplicate' });
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
  });
});
