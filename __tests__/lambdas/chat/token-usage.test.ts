import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseStreamCommand, ThrottlingException, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { answerMessage } from '../../../lambdas/chat/answer';
import { recordTokensOnce } from '../../../lambdas/shared/quotas/token-budget';
import { chatDeps, chatEvent, eventStream, invokeResult, putTool, resetChatMocks, textAnswer, toolCallAnswer } from '../../helpers/chat-fixtures';

const bedrock = mockClient(BedrockRuntimeClient);
const lambda = mockClient(LambdaClient);
const websocket = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;

const NOW = new Date('2026-06-01T08:00:00.000Z');
const DAY = '2026-06-01';

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  await putTool(dynamo, 'weather', 'org-usage');
});
afterAll(() => dynamo.stop());
beforeEach(() => resetChatMocks({ bedrock, lambda, websocket }));
afterEach(() => jest.restoreAllMocks());

const deps = () => chatDeps(dynamo, { now: () => NOW });
const inTwoMinutes = () => Date.now() + 120_000;
const metadata = (inputTokens: number, outputTokens: number): ConverseStreamOutput => ({
  metadata: { usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }, metrics: { latencyMs: 5 } },
});

const counter = async (partition: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('quotas'), Key: { PK: partition, SK: `USAGE#${DAY}` }, ConsistentRead: true })))
    .Item;
/** The user's markers of recorded requests. */
const markers = async (userId: string) =>
  ((await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tableName('quotas'), ConsistentRead: true }))).Items ?? [])
    .filter((item) => item.PK === `USER#${userId}` && String(item.SK).startsWith('RECORDED#'))
    .map((item) => item.SK);

describe('chat: model tokens count against the day budgets', () => {
  it('records the input and output tokens of every model call of a reply, tool rounds included, for the user and the org', async () => {
    const event = chatEvent({ userId: 'user-usage', orgId: 'org-usage', conversationId: 'conv-usage', requestId: 'req-usage' });
    const rounds = [
      [...toolCallAnswer('Let me look.', { id: 'tu-1', name: 'weather', inputPieces: ['{"city":"Paris"}'] }), metadata(120, 30)],
      [...textAnswer(['Sunny', '.']).filter((e) => !e.metadata), metadata(200, 12)],
    ];
    let call = 0;
    bedrock.on(ConverseStreamCommand).callsFake(() => ({ stream: eventStream(rounds[call++]) }));
    lambda.on(InvokeCommand, { FunctionName: 'fable-test-tool-weather' }).resolves(invokeResult({ sky: 'clear' }));

    expect(await answerMessage(deps(), event, inTwoMinutes())).toBe('completed');
    const expected = { tokens: 362, inputTokens: 320, outputTokens: 42 };
    expect(await counter('USER#user-usage')).toMatchObject(expected);
    expect(await counter('ORG#org-usage')).toMatchObject(expected);
    expect(await markers('user-usage')).toEqual(['RECORDED#conv-usage#req-usage']);
  });

  it('records a reply once when the chat event is delivered twice, at the same time or after', async () => {
    const event = chatEvent({ userId: 'user-twice', orgId: 'org-twice', conversationId: 'conv-twice', requestId: 'req-twice' });
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const [start, first, ...rest] = textAnswer(['Once', ' only.']);
    bedrock.on(ConverseStreamCommand).callsFake(() => ({
      stream: (async function* (): AsyncGenerator<ConverseStreamOutput> {
        yield start;
        yield first;
        await paused;
        yield* rest;
      })(),
    }));

    const firstDelivery = answerMessage(deps(), event, inTwoMinutes());
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The duplicate arrives while the first delivery streams: Lambda is asked to retry it.
    await expect(answerMessage(deps(), event, inTwoMinutes())).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    release();
    expect(await firstDelivery).toBe('completed');
    // The retry, and a third delivery, find the request done.
    expect(await answerMessage(deps(), event, inTwoMinutes())).toBe('duplicate');
    expect(await answerMessage(deps(), event, inTwoMinutes())).toBe('duplicate');

    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
    // textAnswer reports 10 input tokens and one output token per text piece.
    expect(await counter('USER#user-twice')).toMatchObject({ tokens: 12, inputTokens: 10, outputTokens: 2 });
    expect(await counter('ORG#org-twice')).toMatchObject({ tokens: 12 });
  });

  it('counts the tokens of a reply that failed midway: the calls made were paid for', async () => {
    const event = chatEvent({ userId: 'user-failed', orgId: 'org-usage', conversationId: 'conv-failed', requestId: 'req-failed' });
    let call = 0;
    bedrock.on(ConverseStreamCommand).callsFake(() => {
      if (call++ === 0) {
        return { stream: eventStream([...toolCallAnswer('', { id: 'tu-2', name: 'weather', inputPieces: ['{"city":"Oslo"}'] }), metadata(80, 8)]) };
      }
      throw new ThrottlingException({ message: 'slow down', $metadata: {} });
    });
    lambda.on(InvokeCommand, { FunctionName: 'fable-test-tool-weather' }).resolves(invokeResult({ sky: 'snow' }));

    expect(await answerMessage(deps(), event, inTwoMinutes())).toBe('failed');
    expect(await counter('USER#user-failed')).toMatchObject({ tokens: 88, inputTokens: 80, outputTokens: 8 });
  });
});

describe('recordTokensOnce', () => {
  it('adds a request once, however many times and however concurrently it is recorded', async () => {
    const table = { dynamo: dynamo.doc, tableName: dynamo.tableName('quotas') };
    const spender = { userId: 'user-once', orgId: 'org-once' };
    const request = { conversationId: 'conv-once', requestId: 'req-once' };
    const results = await Promise.all(Array.from({ length: 8 }, () => recordTokensOnce(table, spender, request, { inputTokens: 7, outputTokens: 3 }, NOW)));
    expect(results.filter((r) => r === 'recorded')).toHaveLength(1);
    expect(results.filter((r) => r === 'already-recorded')).toHaveLength(7);
    expect(await counter('USER#user-once')).toMatchObject({ tokens: 10 });
    expect(await counter('ORG#org-once')).toMatchObject({ tokens: 10 });
    // Another request of the same user counts on its own.
    await recordTokensOnce(table, spender, { ...request, requestId: 'req-other' }, { inputTokens: 1, outputTokens: 1 }, NOW);
    expect(await counter('USER#user-once')).toMatchObject({ tokens: 12 });
  });
});
