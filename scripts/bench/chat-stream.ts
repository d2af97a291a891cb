import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../local/dynamodb-local';
import { handler } from '../../lambdas/chat';
import type { LambdaEnvironment } from '../../lambdas/shared/contract';
import { median, type BenchRow } from './table';

const RUNS = 7;
const BUDGET_MS = 50;
/** The model's first token comes after this pause (time to first token), then one token every TOKEN_MS. */
const FIRST_TOKEN_DELAY_MS = 150;
const TOKEN_MS = 10;
const TOKENS = 300;

/** chat's environment as a stage gives it, with its tables on DynamoDB Local. */
function chatEnvironment(dynamo: LocalDynamo): LambdaEnvironment<'chat'> {
  return {
    STAGE: 'bench',
    LOG_LEVEL: 'INFO',
    CONNECTIONS_TABLE: dynamo.tableName('connections'),
    CONVERSATIONS_TABLE: dynamo.tableName('conversations'),
    TOOLS_TABLE: dynamo.tableName('tools'),
    WEBSOCKET_ENDPOINT: 'https://bench.execute-api.us-west-2.amazonaws.com/bench',
    CHAT_MODEL_ID: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    MEMORY_FUNCTION_NAME: 'fable-bench-memory',
    TOOL_FUNCTION_PREFIX: 'fable-bench-tool-',
    AUDIT_TABLE: dynamo.tableName('audit'),
    QUOTAS_TABLE: dynamo.tableName('quotas'),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  firstTokenAt?: number;
  firstPostAt?: number;
  posts: number;
}

/** A mocked ConverseStream answer with delayed tokens, noting when the first token is emitted. */
async function* delayedTokens(run: Run): AsyncGenerator<ConverseStreamOutput> {
  yield { messageStart: { role: 'assistant' } };
  await sleep(FIRST_TOKEN_DELAY_MS);
  for (let i = 0; i < TOKENS; i++) {
    if (i > 0) await sleep(TOKEN_MS);
    if (i === 0) run.firstTokenAt = performance.now();
    yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text: `word${i} ` } } };
  }
  yield { messageStop: { stopReason: 'end_turn' } };
}

/**
 * Time from the mocked model's first token to the PostToConnection call carrying the first
 * `chat_chunk`, through the chat Lambda's own handler (DynamoDB Local for DynamoDB; Bedrock, Lambda
 * and API Gateway management mocked), and how many frames a reply of TOKENS tokens becomes.
 */
export async function run(): Promise<BenchRow[]> {
  const dynamo = await startDynamoLocal();
  // The handler reads its environment and builds its clients at its first invocation.
  Object.assign(process.env, chatEnvironment(dynamo));
  // Its log lines go to stderr: stdout is the table's.
  const log = console.log;
  console.log = console.error;
  const bedrock = mockClient(BedrockRuntimeClient);
  const lambda = mockClient(LambdaClient);
  const websocket = mockClient(ApiGatewayManagementApiClient);
  const memories: InvokeCommandOutput = {
    $metadata: {},
    StatusCode: 200,
    Payload: Buffer.from(JSON.stringify({ success: true, memories: [] })) as unknown as InvokeCommandOutput['Payload'],
  };
  lambda.on(InvokeCommand).resolves(memories);
  const delays: number[] = [];
  const posts: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const current: Run = { posts: 0 };
      bedrock.on(ConverseStreamCommand).callsFake(() => ({ stream: delayedTokens(current) }));
      websocket.on(PostToConnectionCommand).callsFake(() => {
        current.firstPostAt ??= performance.now();
        current.posts++;
        return {};
      });
      const { outcome } = await handler({
        connectionId: 'bench-connection',
        userId: 'bench-user',
        orgId: 'bench-org',
        requestId: `bench-request-${i}`,
        conversationId: `bench-conversation-${i}`,
        content: 'Tell me a long story.',
      });
      if (outcome !== 'completed' || current.firstTokenAt === undefined || current.firstPostAt === undefined) {
        throw new Error(`chat-stream run ${i} ended ${outcome}`);
      }
      delays.push(current.firstPostAt - current.firstTokenAt);
      posts.push(current.posts);
    }
  } finally {
    console.log = log;
    bedrock.restore();
    lambda.restore();
    websocket.restore();
    await dynamo.stop();
  }
  const delay = median(delays);
  return [
    {
      group: 'chat-stream',
      metric: `first model token -> first chat_chunk PostToConnection (median of ${RUNS})`,
      value: `${delay.toFixed(1)} ms`,
      budget: `<= ${BUDGET_MS} ms`,
      ok: delay <= BUDGET_MS,
    },
    {
      group: 'chat-stream',
      metric: `PostToConnection calls for a ${TOKENS}-token reply (${TOKEN_MS} ms/token, incl. chat_complete)`,
      value: `${median(posts)}`,
      budget: `< ${TOKENS / 10}`,
      ok: median(posts) < TOKENS / 10,
    },
  ];
}
