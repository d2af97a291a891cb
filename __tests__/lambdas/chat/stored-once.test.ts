import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { answerMessage } from '../../../lambdas/chat/answer';
import { answerWith, chatDeps, chatEvent, conversationItems, eventStream, framesSent, resetChatMocks, textAnswer } from '../../helpers/chat-fixtures';
import { auditEvents } from '../../helpers/audit-trail';
import { telemetry } from '../../../lambdas/shared/telemetry';

const bedrock = mockClient(BedrockRuntimeClient);
const lambda = mockClient(LambdaClient);
const websocket = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;
const inTwoMinutes = () => Date.now() + 120_000;

beforeAll(async () => {
  // As in a container, the telemetry exists before the first delivery (the handler edge starts it
  // first), so making it costs no delivery any of the tight deadlines below.
  telemetry();
  dynamo = await startDynamoLocal();
});

afterAll(() => dynamo.stop());

beforeEach(() => resetChatMocks({ bedrock, lambda, websocket }));

afterEach(() => jest.restoreAllMocks());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const messages = async (conversationId: string) =>
  (await conversationItems(dynamo, conversationId)).filter((item) => item.SK.startsWith('MSG#')).map((item) => [item.role, item.content]);
const completions = () => framesSent(websocket).filter((frame) => frame.type === 'chat_complete');

/** The first ConverseStream call streams a token, runs `midStream`, then streams the rest; later calls answer `later`. */
function firstReplyPausing(midStream: () => Promise<void>, later: string): void {
  const [start, first, ...rest] = textAnswer(['Half', ' a reply.']);
  let calls = 0;
  bedrock.on(ConverseStreamCommand).callsFake(() => {
    if (++calls > 1) return { stream: eventStream(textAnswer([later])) };
    return {
      stream: (async function* (): AsyncGenerator<ConverseStreamOutput> {
        yield start;
        yield first;
        await midStream();
        yield* rest;
      })(),
    };
  });
}

describe('chat: a request is answered and stored once, whatever fails', () => {
  it('asks Lambda to retry a delivery while another holds the request, and finishes a request whose holder died mid-stream', async () => {
    const event = chatEvent({ conversationId: 'conv-crash', requestId: 'req-crash' });
    let died!: () => void;
    const diedMidStream = new Promise<void>((resolve) => (died = resolve));
    // The first delivery's function is gone after its first chunk: its stream never goes on.
    firstReplyPausing(() => {
      died();
      return new Promise<void>(() => undefined);
    }, 'Recovered.');
    const firstDeadline = Date.now() + 400;
    void answerMessage(chatDeps(dynamo), event, firstDeadline);
    await diedMidStream;
    const framesOfFirst = framesSent(websocket).length;

    await expect(answerMessage(chatDeps(dynamo), event, inTwoMinutes())).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
    expect(framesSent(websocket)).toHaveLength(framesOfFirst);

    // Lambda ended the first delivery at its deadline; its retry takes the request over.
    await sleep(firstDeadline - Date.now() + 50);
    expect(await answerMessage(chatDeps(dynamo), event, inTwoMinutes())).toBe('completed');
    expect(await messages('conv-crash')).toEqual([
      ['user', 'What is the weather in Paris?'],
      ['assistant', 'Recovered.'],
    ]);
    expect(completions()).toEqual([expect.objectContaining({ payload: { messageId: expect.any(String), text: 'Recovered.' } })]);
  });

  it('stores nothing of a turn whose conversation another user took while the reply streamed, and says FORBIDDEN', async () => {
    const event = chatEvent({ conversationId: 'conv-taken', requestId: 'req-taken' });
    const theirs = { PK: 'CONV#conv-taken', SK: 'META', userId: 'user-2', orgId: 'org-2', updatedAt: '2026-01-01T00:00:00.000Z' };
    firstReplyPausing(async () => {
      await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName('conversations'), Item: theirs }));
    }, 'unused');

    expect(await answerMessage(chatDeps(dynamo), event, inTwoMinutes())).toBe('forbidden');
    expect(framesSent(websocket).at(-1)).toMatchObject({ type: 'error', payload: { code: 'FORBIDDEN' } });
    expect(completions()).toEqual([]);
    const items = await conversationItems(dynamo, 'conv-taken');
    expect(await messages('conv-taken')).toEqual([]);
    expect(items.find((item) => item.SK === 'META')).toEqual(theirs);

    // A retry is refused up front, before any model call.
    expect(await answerMessage(chatDeps(dynamo), event, inTwoMinutes())).toBe('forbidden');
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
    expect(await messages('conv-taken')).toEqual([]);
    // Each refusal is in the audit trail: the one at the store, and the retry's.
    const refusals = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((e) => e.target === 'conversation:conv-taken');
    expect(refusals.map(({ type, actor, detail }) => ({ type, actor, detail }))).toEqual([
      { type: 'forbidden', actor: 'user:user-1', detail: { action: 'conversation.write' } },
      { type: 'forbidden', actor: 'user:user-1', detail: { action: 'conversation.write' } },
    ]);
  });

  it('gives the request back when storing its turn fails for a transient fault, and the retry stores it once', async () => {
    const event = chatEvent({ conversationId: 'conv-store-fault', requestId: 'req-store-fault' });
    let failed = false;
    const failingFirstStore = new Proxy(dynamo.doc, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return (command: never) => {
          // The turn's transaction (it writes the conversation), not the one counting the tokens.
          const storesTurn = (command as unknown) instanceof TransactWriteCommand && JSON.stringify((command as TransactWriteCommand).input).includes(dynamo.tableName('conversations'));
          if (!failed && storesTurn) {
            failed = true;
            return Promise.reject(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
          }
          return target.send(command);
        };
      },
    }) as DynamoDBDocumentClient;
    firstReplyPausing(async () => undefined, 'Stored once.');

    await expect(answerMessage(chatDeps(dynamo, { dynamo: failingFirstStore }), event, inTwoMinutes())).rejects.toThrow('slow down');
    expect(await conversationItems(dynamo, 'conv-store-fault')).toEqual([]);
    expect(completions()).toEqual([]);

    expect(await answerMessage(chatDeps(dynamo, { dynamo: failingFirstStore }), event, inTwoMinutes())).toBe('completed');
    expect(await messages('conv-store-fault')).toEqual([
      ['user', 'What is the weather in Paris?'],
      ['assistant', 'Stored once.'],
    ]);
    expect(completions()).toHaveLength(1);
  });

  it('refuses to answer at all with Powertools idempotency switched off, rather than never storing a turn', async () => {
    const event = chatEvent({ conversationId: 'conv-no-records', requestId: 'req-no-records' });
    answerWith(bedrock, textAnswer(['Never streamed.']));
    process.env.POWERTOOLS_IDEMPOTENCY_DISABLED = 'true';
    try {
      await expect(answerMessage(chatDeps(dynamo), event, inTwoMinutes())).rejects.toThrow('POWERTOOLS_IDEMPOTENCY_DISABLED');
    } finally {
      delete process.env.POWERTOOLS_IDEMPOTENCY_DISABLED;
    }
    expect(bedrock.calls()).toHaveLength(0);
    expect(framesSent(websocket)).toEqual([]);
    expect(await conversationItems(dynamo, 'conv-no-records')).toEqual([]);
  });
});
