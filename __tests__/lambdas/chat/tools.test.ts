import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { answerMessage } from '../../../lambdas/chat/answer';
import { MAX_TOOL_ROUNDS } from '../../../lambdas/chat/stream';
import { MAX_TOOL_RESULT_BYTES } from '../../../lambdas/chat/tools';
import { answerWith, chatDeps, chatEvent, conversationItems, framesSent, invokeResult, putTool, textAnswer, toolCallAnswer, resetChatMocks } from '../../helpers/chat-fixtures';

const bedrock = mockClient(BedrockRuntimeClient);
const lambda = mockClient(LambdaClient);
const websocket = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;
const deadline = () => Date.now() + 120_000;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  await putTool(dynamo, 'weather', 'org-1');
  await putTool(dynamo, 'payroll', 'org-2');
  // A record pointing at a FABLE function rather than the tool's own: never offered, never invoked.
  await putTool(dynamo, 'ledger', 'org-1', 'fable-test-tool-deployer');
});

afterAll(() => dynamo.stop());

beforeEach(() => {
  resetChatMocks({ bedrock, lambda, websocket });
});

afterEach(() => jest.restoreAllMocks());

const toolInvocations = () =>
  lambda.commandCalls(InvokeCommand).filter((call) => call.args[0].input.FunctionName !== 'fable-test-memory');

describe('chat: tools', () => {
  it('offers the org\'s tools, runs a tool call, reports it and feeds the result back to the model', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'fable-test-tool-weather' }).resolves(invokeResult({ tempC: 21, sky: 'clear' }));
    answerWith(
      bedrock,
      toolCallAnswer('Let me check.', { id: 'tu-1', name: 'weather', inputPieces: ['{"city":', '"Paris"}'] }),
      textAnswer(['It is 21°C', ' and clear.']),
    );
    const outcome = await answerMessage(chatDeps(dynamo), chatEvent({ conversationId: 'conv-tool', requestId: 'req-tool' }), deadline());
    expect(outcome).toBe('completed');

    const first = bedrock.commandCalls(ConverseStreamCommand)[0].args[0].input;
    expect(first.toolConfig?.tools?.map((t) => t.toolSpec?.name)).toEqual(['weather']);
    expect(first.toolConfig?.tools?.[0].toolSpec).toMatchObject({
      description: 'The weather tool',
      inputSchema: { json: { type: 'object', required: ['city'] } },
    });

    const [invocation] = toolInvocations();
    expect(invocation.args[0].input).toMatchObject({ FunctionName: 'fable-test-tool-weather', Qualifier: 'live', InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(invocation.args[0].input.Payload as Uint8Array).toString())).toEqual({ arguments: { city: 'Paris' } });

    const second = bedrock.commandCalls(ConverseStreamCommand)[1].args[0].input;
    const [, assistant, results] = second.messages!;
    expect(assistant).toEqual({
      role: 'assistant',
      content: [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'tu-1', name: 'weather', input: { city: 'Paris' } } }],
    });
    expect(results).toEqual({
      role: 'user',
      content: [{ toolResult: { toolUseId: 'tu-1', content: [{ text: '{"tempC":21,"sky":"clear"}' }], status: 'success' } }],
    });

    const frames = framesSent(websocket);
    expect(frames.map((f) => f.type)).toEqual(['chat_chunk', 'tool_use', 'tool_result', 'chat_chunk', 'chat_chunk', 'chat_complete']);
    expect(frames[1].payload).toEqual({ name: 'weather' });
    expect(frames[2].payload).toEqual({ name: 'weather', ok: true });
    const text = 'Let me check.\n\nIt is 21°C and clear.';
    expect(frames.filter((f) => f.type === 'chat_chunk').map((f) => f.payload.text).join('')).toBe(text);
    expect(frames[5].payload.text).toBe(text);
    const stored = (await conversationItems(dynamo, 'conv-tool')).filter((i) => i.role === 'assistant');
    expect(stored.map((i) => i.content)).toEqual([text]);
  });

  it('never invokes a tool the org does not have, telling the model it failed', async () => {
    answerWith(bedrock, toolCallAnswer('', { id: 'tu-2', name: 'payroll', inputPieces: ['{"city":"x"}'] }), textAnswer(['I cannot do that.']));
    await answerMessage(chatDeps(dynamo), chatEvent({ conversationId: 'conv-unlisted', requestId: 'req-unlisted' }), deadline());
    expect(toolInvocations()).toHaveLength(0);
    const frames = framesSent(websocket);
    expect(frames.find((f) => f.type === 'tool_result')!.payload).toEqual({ name: 'payroll', ok: false });
    const results = bedrock.commandCalls(ConverseStreamCommand)[1].args[0].input.messages!.at(-1)!;
    expect(results.content![0].toolResult).toMatchObject({ toolUseId: 'tu-2', status: 'error' });
  });

  it('never invokes a function a tools record names instead of <prefix><toolName>', async () => {
    answerWith(bedrock, toolCallAnswer('', { id: 'tu-3', name: 'ledger', inputPieces: ['{}'] }), textAnswer(['No such tool.']));
    await answerMessage(chatDeps(dynamo), chatEvent({ conversationId: 'conv-ledger', requestId: 'req-ledger' }), deadline());
    expect(toolInvocations()).toHaveLength(0);
    const offered = bedrock.commandCalls(ConverseStreamCommand)[0].args[0].input.toolConfig!.tools!.map((t) => t.toolSpec!.name);
    expect(offered).toEqual(['weather']);
  });

  it('reports a failing tool as not ok and lets the model answer anyway', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'fable-test-tool-weather' }).resolves({ StatusCode: 200, FunctionError: 'Unhandled' });
    answerWith(bedrock, toolCallAnswer('', { id: 'tu-3', name: 'weather', inputPieces: ['{"city":"Oslo"}'] }), textAnswer(['No data.']));
    expect(await answerMessage(chatDeps(dynamo), chatEvent({ conversationId: 'conv-toolfail', requestId: 'req-toolfail' }), deadline())).toBe('completed');
    expect(framesSent(websocket).find((f) => f.type === 'tool_result')!.payload).toEqual({ name: 'weather', ok: false });
  });

  it(`stops after ${MAX_TOOL_ROUNDS} tool rounds even if the model keeps asking`, async () => {
    lambda.on(InvokeCommand, { FunctionName: 'fable-test-tool-weather' }).resolves(invokeResult({ tempC: 1 }));
    answerWith(bedrock, toolCallAnswer('Checking. ', { id: 'tu-loop', name: 'weather', inputPieces: ['{"city":"Rome"}'] }));
    expect(await answerMessage(chatDeps(dynamo), chatEvent({ conversationId: 'conv-loop', requestId: 'req-loop' }), deadline())).toBe('completed');
    expect(toolInvocations()).toHaveLength(MAX_TOOL_ROUNDS);
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(MAX_TOOL_ROUNDS + 1);
    expect(framesSent(websocket).at(-1)!.type).toBe('chat_complete');
  });

  it(`caps a tool result at ${MAX_TOOL_RESULT_BYTES} bytes before it reaches the model`, async () => {
    lambda.on(InvokeCommand, { FunctionName: 'fable-test-tool-weather' }).resolves(invokeResult({ report: 'ü'.repeat(40_000) }));
    answerWith(bedrock, toolCallAnswer('', { id: 'tu-big', name: 'weather', inputPieces: ['{"city":"Lima"}'] }), textAnswer(['Long.']));
    await answerMessage(chatDeps(dynamo), chatEvent({ conversationId: 'conv-big', requestId: 'req-big' }), deadline());
    const result = bedrock.commandCalls(ConverseStreamCommand)[1].args[0].input.messages!.at(-1)!.content![0].toolResult!;
    const text = result.content![0].text!;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_TOOL_RESULT_BYTES);
    expect(text.endsWith('…[truncated]')).toBe(true);
    expect(text).not.toContain('\uFFFD');
  });
});
