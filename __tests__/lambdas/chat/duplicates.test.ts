import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { answerMessage, type ChatDeps, type ChatOutcome } from '../../../lambdas/chat/answer';
import type { ChatEvent } from '../../../lambdas/shared/contract';
import { chatDeps, chatEvent, conversationItems, framesSent, resetChatMocks, textAnswer } from '../../helpers/chat-fixtures';

/*
 * Lambda may deliver the same async chat event twice, and it retries a delivery that threw. Wherever
 * the duplicate lands in the first delivery's life, the client gets exactly one chat_complete and
 * the turn is stored once.
 */

const bedrock = mockClient(BedrockRuntimeClient);
const lambda = mockClient(LambdaClient);
const websocket = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
});

afterAll(() => dynamo.stop());

beforeEach(() => resetChatMocks({ bedrock, lambda, websocket }));

afterEach(() => jest.restoreAllMocks());

/** One attempt at a delivery: its outcome, or the error it threw (Lambda then retries the delivery). */
type Attempt = { readonly outcome: ChatOutcome } | { readonly error: unknown };

const attempt = (deps: ChatDeps, event: ChatEvent): Promise<Attempt> =>
  answerMessage(deps, event, Date.now() + 120_000).then(
    (outcome) => ({ outcome }),
    (error: unknown) => ({ error }),
  );

/**
 * How a delivery ends. An attempt may only throw because the request was in progress elsewhere;
 * Lambda then retries it, here once the first delivery is done.
 */
async function finalOutcome(first: Attempt, deps: ChatDeps, event: ChatEvent): Promise<ChatOutcome> {
  if ('outcome' in first) return first.outcome;
  expect(first.error).toBeInstanceOf(IdempotencyAlreadyInProgressError);
  return answerMessage(deps, event, Date.now() + 120_000);
}

/** A reply whose stream pauses after its first token until `midStream` has run. */
function replyPausingAfterFirstToken(midStream: () => Promise<void>): void {
  const [start, first, ...rest] = textAnswer(['Only', ' once', '.']);
  bedrock.on(ConverseStreamCommand).callsFake(() => ({
    stream: (async function* (): AsyncGenerator<ConverseStreamOutput> {
      yield start;
      yield first;
      await midStream();
      yield* rest;
    })(),
  }));
}

/** The document client of `deps`, running `beforeStore` once, just before the first write of a message item. */
function pausingBeforeTurnWrite(doc: DynamoDBDocumentClient, beforeStore: () => Promise<void>): DynamoDBDocumentClient {
  let paused = false;
  const writesTurn = (command: unknown) =>
    command instanceof TransactWriteCommand ||
    (command instanceof PutCommand && String(command.input.Item?.SK).startsWith('MSG#'));
  return new Proxy(doc, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: never) => {
        if (!paused && writesTurn(command)) {
          paused = true;
          await beforeStore();
        }
        return target.send(command);
      };
    },
  }) as DynamoDBDocumentClient;
}

async function expectAnsweredOnce(conversationId: string): Promise<void> {
  const completes = framesSent(websocket).filter((frame) => frame.type === 'chat_complete');
  expect(completes).toHaveLength(1);
  const stored = (await conversationItems(dynamo, conversationId)).filter((item) => item.SK.startsWith('MSG#'));
  expect(stored.map((item) => [item.role, item.content])).toEqual([
    ['user', 'What is the weather in Paris?'],
    ['assistant', 'Only once.'],
  ]);
  expect(completes[0].payload).toEqual({ messageId: stored[1].messageId, text: 'Only once.' });
  expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
}

describe('chat: a duplicate delivery of the same event', () => {
  it('delivered while the first delivery streams its reply, sends nothing and is answered once', async () => {
    const event = chatEvent({ conversationId: 'conv-dup-stream', requestId: 'req-dup-stream' });
    const deps = chatDeps(dynamo);
    let duplicate: Attempt | undefined;
    replyPausingAfterFirstToken(async () => {
      const framesBefore = framesSent(websocket).length;
      duplicate = await attempt(deps, event);
      expect(framesSent(websocket)).toHaveLength(framesBefore);
    });

    expect(await answerMessage(deps, event, Date.now() + 120_000)).toBe('completed');
    const duplicateOutcome = await finalOutcome(duplicate!, deps, event);
    await expectAnsweredOnce('conv-dup-stream');
    expect(duplicateOutcome).toBe('duplicate');
  });

  it('delivered while the first delivery stores its turn, sends nothing and is answered once', async () => {
    const event = chatEvent({ conversationId: 'conv-dup-store', requestId: 'req-dup-store' });
    const deps = chatDeps(dynamo);
    let duplicate: Attempt | undefined;
    replyPausingAfterFirstToken(async () => undefined);
    const first = { ...deps, dynamo: pausingBeforeTurnWrite(deps.dynamo, async () => void (duplicate = await attempt(deps, event))) };

    expect(await answerMessage(first, event, Date.now() + 120_000)).toBe('completed');
    const duplicateOutcome = await finalOutcome(duplicate!, deps, event);
    await expectAnsweredOnce('conv-dup-store');
    expect(duplicateOutcome).toBe('duplicate');
  });

  it('delivered after the turn was stored but before its chat_complete went out, sends nothing', async () => {
    const event = chatEvent({ conversationId: 'conv-dup-sent', requestId: 'req-dup-sent' });
    const deps = chatDeps(dynamo);
    let duplicate: Promise<Attempt> | undefined;
    replyPausingAfterFirstToken(async () => undefined);
    websocket.on(PostToConnectionCommand).callsFake(async (input: { Data: Uint8Array }) => {
      const frame = JSON.parse(Buffer.from(input.Data).toString('utf8'));
      if (frame.type === 'chat_complete' && duplicate === undefined) {
        duplicate = attempt(deps, event);
        await duplicate;
      }
      return {};
    });

    expect(await answerMessage(deps, event, Date.now() + 120_000)).toBe('completed');
    const duplicateOutcome = await finalOutcome(await duplicate!, deps, event);
    await expectAnsweredOnce('conv-dup-sent');
    expect(duplicateOutcome).toBe('duplicate');
  });

  it('delivered after the first delivery completed, does nothing', async () => {
    const event = chatEvent({ conversationId: 'conv-dup-after', requestId: 'req-dup-after' });
    const deps = chatDeps(dynamo);
    replyPausingAfterFirstToken(async () => undefined);

    expect(await answerMessage(deps, event, Date.now() + 120_000)).toBe('completed');
    const framesAfterFirst = framesSent(websocket).length;
    expect(await answerMessage(deps, event, Date.now() + 120_000)).toBe('duplicate');
    expect(framesSent(websocket)).toHaveLength(framesAfterFirst);
    await expectAnsweredOnce('conv-dup-after');
  });
});
