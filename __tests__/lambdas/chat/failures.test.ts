import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseStreamCommand, ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { answerMessage } from '../../../lambdas/chat/answer';
import { answerWith, chatDeps, chatEvent, conversationItems, eventStream, framesSent, resetChatMocks, textAnswer, textDelta } from '../../helpers/chat-fixtures';

const bedrock = mockClient(BedrockRuntimeClient);
const lambda = mockClient(LambdaClient);
const websocket = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;
const deadline = () => Date.now() + 120_000;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
});

afterAll(() => dynamo.stop());

beforeEach(() => {
  resetChatMocks({ bedrock, lambda, websocket });
});

afterEach(() => jest.restoreAllMocks());

const throttled = () => new ThrottlingException({ message: 'Too many requests', $metadata: {} });

describe('chat: model throttling', () => {
  // The Bedrock client retries throttling itself (shared/clients.test.ts): what reaches chat has outlasted it.
  it('reports throttling that outlasted the client’s retries as a THROTTLED error frame, storing no turn', async () => {
    bedrock.on(ConverseStreamCommand).rejects(throttled());
    const event = chatEvent({ conversationId: 'conv-throttled', requestId: 'req-throttled' });
    expect(await answerMessage(chatDeps(dynamo), event, deadline())).toBe('failed');
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
    expect(framesSent(websocket)).toEqual([
      {
        type: 'error',
        requestId: 'req-throttled',
        conversationId: 'conv-throttled',
        payload: { code: 'THROTTLED', message: 'FABLE is busy; try again shortly.' },
      },
    ]);
    // The client was told: a later delivery of the request does nothing.
    const modelCalls = bedrock.commandCalls(ConverseStreamCommand).length;
    expect(await answerMessage(chatDeps(dynamo), event, deadline())).toBe('duplicate');
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(modelCalls);
    expect((await conversationItems(dynamo, 'conv-throttled')).filter((i) => i.SK.startsWith('MSG#'))).toHaveLength(0);
  });

  it('does not retry a request the model rejected outright', async () => {
    bedrock.on(ConverseStreamCommand).rejects(new ValidationException({ message: 'bad input', $metadata: {} }));
    expect(await answerMessage(chatDeps(dynamo), chatEvent({ conversationId: 'conv-invalid', requestId: 'req-invalid' }), deadline())).toBe('failed');
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
    expect(framesSent(websocket)[0].payload).toEqual({ code: 'INTERNAL', message: 'Internal error' });
  });
});

describe('chat: faults', () => {
  it('reports an error event in the middle of the stream after the chunks already sent, storing nothing', async () => {
    answerWith(bedrock, [
      textDelta('Half an'),
      textDelta(' answer'),
      { modelStreamErrorException: { message: 'model broke', originalStatusCode: 500, originalMessage: 'x', name: 'ModelStreamErrorException', $fault: 'client' } as never },
    ]);
    const event = chatEvent({ conversationId: 'conv-broken', requestId: 'req-broken' });
    expect(await answerMessage(chatDeps(dynamo), event, deadline())).toBe('failed');
    const frames = framesSent(websocket);
    expect(frames[0]).toMatchObject({ type: 'chat_chunk', payload: { text: 'Half an' } });
    expect(frames.at(-1)).toMatchObject({ type: 'error', payload: { code: 'INTERNAL' } });
    expect(frames.some((f) => f.type === 'chat_complete')).toBe(false);
    expect((await conversationItems(dynamo, 'conv-broken')).filter((i) => i.SK.startsWith('MSG#'))).toHaveLength(0);
  });

  it('throws a transient fault met before replying, releasing the request so Lambda\'s retry answers it', async () => {
    const failingOnce: { failed: boolean } = { failed: false };
    const flaky = new Proxy(dynamo.doc, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return (command: unknown) => {
          if (!failingOnce.failed && command instanceof QueryCommand && command.input.TableName === dynamo.tableName('tools')) {
            failingOnce.failed = true;
            return Promise.reject(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
          }
          return target.send(command as never);
        };
      },
    }) as DynamoDBDocumentClient;
    answerWith(bedrock, textAnswer(['Second time lucky.']));
    const event = chatEvent({ conversationId: 'conv-flaky', requestId: 'req-flaky' });

    await expect(answerMessage(chatDeps(dynamo, { dynamo: flaky }), event, deadline())).rejects.toThrow('slow down');
    expect(websocket.calls()).toHaveLength(0);
    // The request was given back: nothing of it is stored, so the retry claims it afresh.
    expect(await conversationItems(dynamo, 'conv-flaky')).toEqual([]);

    expect(await answerMessage(chatDeps(dynamo, { dynamo: flaky }), event, deadline())).toBe('completed');
    expect(framesSent(websocket).at(-1)).toMatchObject({ type: 'chat_complete', payload: { text: 'Second time lucky.' } });
  });

  it('never stores a turn whose attempt lost its lease to a successor', async () => {
    const event = chatEvent({ conversationId: 'conv-stale', requestId: 'req-stale' });
    let successor: Promise<unknown> | undefined;
    let calls = 0;
    bedrock.on(ConverseStreamCommand).callsFake(() => {
      if (++calls > 1) return { stream: eventStream(textAnswer(['In time.'])) };
      // While the first attempt streams, its lease runs out and Lambda's retry takes the request over.
      successor = answerMessage(chatDeps(dynamo, { newId: () => 'successor' }), event, deadline());
      const late = async function* () {
        await successor;
        yield* eventStream(textAnswer(['Too late.']));
      };
      return { stream: late() };
    });
    const expiredDeadline = Date.now() - 10_000;
    expect(await answerMessage(chatDeps(dynamo, { newId: () => 'stale' }), event, expiredDeadline)).toBe('superseded');
    expect(await successor).toBe('completed');
    const stored = (await conversationItems(dynamo, 'conv-stale')).filter((i) => i.SK.startsWith('MSG#'));
    expect(stored.map((i) => [i.role, i.content])).toEqual([
      ['user', 'What is the weather in Paris?'],
      ['assistant', 'In time.'],
    ]);
  });
});
