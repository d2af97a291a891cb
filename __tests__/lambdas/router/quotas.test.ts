import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { routeFrame, type RouterDeps } from '../../../lambdas/router/route-frame';
import type { QuotaLimits, RefusalReason } from '../../../lambdas/shared/contract';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { putOverride, testQuotas } from '../../helpers/quotas';
import { captureOutput } from '../../helpers/telemetry';

const bedrock = mockClient(BedrockRuntimeClient);
const lambda = mockClient(LambdaClient);
const websocket = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
});
afterAll(() => dynamo.stop());

let clock: Date;
let refusals: RefusalReason[];
beforeEach(() => {
  bedrock.reset();
  lambda.reset();
  websocket.reset().on(PostToConnectionCommand).resolves({});
  clock = new Date('2026-05-10T09:00:00.000Z');
  refusals = [];
  // Quiet: the handlers' structured log lines go to stdout.
  captureOutput();
});
afterEach(() => jest.restoreAllMocks());

/** A connection of `userId` in `orgId`, as connection-manager stores it. */
async function connect(userId: string, orgId = `org-of-${userId}`): Promise<string> {
  const connectionId = `conn-${userId}=`;
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tableName('connections'),
      Item: { connectionId, userId, orgId, orgRole: 'member', groups: [], expiresAt: Math.floor(Date.now() / 1000) + 3600 },
    }),
  );
  return connectionId;
}

function deps(limits: Partial<QuotaLimits> = {}): RouterDeps {
  let id = 0;
  return {
    dynamo: dynamo.doc,
    websocket: new ApiGatewayManagementApiClient({ endpoint: 'https://abc123.execute-api.us-west-2.amazonaws.com/test' }),
    bedrock: new BedrockRuntimeClient({}),
    lambda: new LambdaClient({}),
    settings: {
      connectionsTable: dynamo.tableName('connections'),
      routerModelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      classifyTimeoutMs: 3_000,
      chatFunctionName: 'fable-test-chat',
      buildKickoffFunctionName: 'fable-test-build-kickoff',
      memoryFunctionName: 'fable-test-memory',
      userDataFunctionName: 'fable-test-user-data',
    },
    quotas: testQuotas(dynamo, { limits, refusals }),
    newId: () => `generated-${++id}`,
    now: () => clock,
  };
}

const message = (content: string, requestId = 'r-1') => JSON.stringify({ type: 'message', content, requestId });
const send = (d: RouterDeps, connectionId: string, content = 'How are you?', requestId?: string) =>
  routeFrame(d, { connectionId, body: message(content, requestId) });

/** The classifier answers `intent`, reporting 40 input and 5 output tokens. */
const classifiedAs = (intent: string) =>
  bedrock.on(ConverseCommand).resolves({
    output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't-1', name: 'classify_intent', input: { intent } } }] } },
    stopReason: 'tool_use',
    usage: { inputTokens: 40, outputTokens: 5, totalTokens: 45 },
  });
const invokeResult = (body: unknown): InvokeCommandOutput => ({
  $metadata: {},
  StatusCode: 202,
  Payload: Buffer.from(JSON.stringify(body)) as unknown as InvokeCommandOutput['Payload'],
});

const framesTo = (connectionId: string) =>
  websocket
    .commandCalls(PostToConnectionCommand)
    .filter((call) => call.args[0].input.ConnectionId === connectionId)
    .map((call) => JSON.parse(Buffer.from(call.args[0].input.Data as Uint8Array).toString('utf8')));

const usage = async (partition: string, day: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('quotas'), Key: { PK: partition, SK: `USAGE#${day}` }, ConsistentRead: true })))
    .Item;

/** Set today's token counter of a user or org, as earlier calls would have left it. */
const spend = (partition: string, day: string, tokens: number) =>
  dynamo.doc.send(
    new UpdateCommand({
      TableName: dynamo.tableName('quotas'),
      Key: { PK: partition, SK: `USAGE#${day}` },
      UpdateExpression: 'SET tokens = :tokens',
      ExpressionAttributeValues: { ':tokens': tokens },
    }),
  );

const quotaItems = async (partition: string) =>
  ((await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tableName('quotas'), ConsistentRead: true }))).Items ?? []).filter(
    (item) => item.PK === partition,
  );

describe('router: the message rate', () => {
  it('refuses the message past the burst with RATE_LIMITED and retryAfterSeconds, invoking nothing, and records and counts the refusal', async () => {
    const connectionId = await connect('rate-user');
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves(invokeResult(null));
    const d = deps({ messagesPerMinute: 2, messageBurst: 2 });
    expect(await send(d, connectionId, 'one', 'r-1')).toBe(200);
    expect(await send(d, connectionId, 'two', 'r-2')).toBe(200);
    const bedrockCalls = bedrock.calls().length;
    const quotaState = await quotaItems('USER#rate-user');

    expect(await send(d, connectionId, 'three', 'r-3')).toBe(429);
    expect(framesTo(connectionId).at(-1)).toEqual({
      type: 'error',
      requestId: 'r-3',
      payload: { code: 'RATE_LIMITED', message: 'You are sending messages faster than 2 a minute; try again in 30 s.', retryAfterSeconds: 30 },
    });
    // Nothing else happened: no model call, no invocation, no counter moved.
    expect(bedrock.calls()).toHaveLength(bedrockCalls);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
    expect(await quotaItems('USER#rate-user')).toEqual(quotaState);
    expect(refusals).toEqual(['RATE_LIMITED']);
    const events = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((e) => e.userId === 'rate-user');
    expect(events).toEqual([
      storedEvent({
        type: 'quota_refused',
        orgId: 'org-of-rate-user',
        userId: 'rate-user',
        actor: 'user:rate-user',
        target: 'user:rate-user',
        outcome: 'denied',
        detail: { action: 'message', reason: 'message_rate' },
      }),
    ]);

    // The bucket refills at the configured rate: one message 30 s later.
    clock = new Date(clock.getTime() + 30_000);
    expect(await send(d, connectionId, 'four', 'r-4')).toBe(200);
    expect(framesTo(connectionId).at(-1)).toMatchObject({ type: 'ack', requestId: 'r-4' });
  });

  it('admits exactly the burst of parallel messages from one user', async () => {
    const connectionId = await connect('parallel-user');
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves(invokeResult(null));
    const d = deps({ messagesPerMinute: 1, messageBurst: 4 });
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => send(d, connectionId, `m${i}`, `r-${i}`)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(4);
    expect(refusals).toHaveLength(16);
  });

  it('answers pings without touching the bucket', async () => {
    const connectionId = await connect('pinger');
    const d = deps({ messagesPerMinute: 1, messageBurst: 1 });
    for (let i = 0; i < 3; i++) expect(await routeFrame(d, { connectionId, body: '{"type":"ping"}' })).toBe(200);
    expect(await quotaItems('USER#pinger')).toEqual([]);
  });
});

describe('router: daily token budgets', () => {
  it("counts the classifier's tokens against the user's and the org's day", async () => {
    const connectionId = await connect('counted', 'org-counted');
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves(invokeResult(null));
    await send(deps(), connectionId);
    await send(deps(), connectionId, 'again', 'r-2');
    expect(await usage('USER#counted', '2026-05-10')).toMatchObject({ tokens: 90, inputTokens: 80, outputTokens: 10 });
    expect(await usage('ORG#org-counted', '2026-05-10')).toMatchObject({ tokens: 90 });
  });

  it('refuses CHAT with QUOTA_EXCEEDED and resetsAt once the user has spent the day, before any model call', async () => {
    const connectionId = await connect('spent', 'org-spent');
    await spend('USER#spent', '2026-05-10', 1_000);
    const d = deps({ dailyTokensPerUser: 1_000 });

    expect(await send(d, connectionId, 'Tell me a story')).toBe(429);
    expect(framesTo(connectionId)).toEqual([
      {
        type: 'error',
        requestId: 'r-1',
        payload: {
          code: 'QUOTA_EXCEEDED',
          message: "You have used today's 1,000 model tokens; chat is available again at 2026-05-11T00:00:00.000Z.",
          resetsAt: '2026-05-11T00:00:00.000Z',
        },
      },
    ]);
    expect(bedrock.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
    expect(refusals).toEqual(['QUOTA_EXCEEDED']);
    const [event] = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((e) => e.userId === 'spent');
    expect(event).toMatchObject({ type: 'quota_refused', target: 'user:spent', detail: { action: 'chat', reason: 'user_tokens' } });
    // Only the counter was ever written for this user: no conversation, nothing else.
    expect((await quotaItems('USER#spent')).map((item) => item.SK)).toEqual(['RATE#messages', 'USAGE#2026-05-10']);
    expect((await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tableName('conversations') }))).Items).toEqual([]);
  });

  it("refuses CHAT when the org's day is spent, naming the org", async () => {
    const connectionId = await connect('member', 'org-broke');
    await spend('ORG#org-broke', '2026-05-10', 5_000);
    expect(await send(deps({ dailyTokensPerOrg: 5_000 }), connectionId)).toBe(429);
    expect(framesTo(connectionId)[0].payload).toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringMatching(/^Your organization has used/) });
    const [event] = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((e) => e.userId === 'member');
    expect(event).toMatchObject({ target: 'org:org-broke', detail: { reason: 'org_tokens' } });
  });

  it('still routes a BUILD or MEMORY message of a spent user, classified by keywords without a model call', async () => {
    const connectionId = await connect('spent-builder', 'org-spent-builder');
    await spend('USER#spent-builder', '2026-05-10', 10);
    lambda.on(InvokeCommand).resolves(invokeResult({ success: true, memory: storedMemory() }));
    expect(await send(deps({ dailyTokensPerUser: 10 }), connectionId, 'Remember that I like tea')).toBe(200);
    expect(bedrock.calls()).toHaveLength(0);
    expect(framesTo(connectionId)[0]).toMatchObject({ type: 'ack', payload: { intent: 'MEMORY' } });
  });

  it('starts the new UTC day at midnight: refused at 23:59:59.999, answered at 00:00', async () => {
    const connectionId = await connect('night-owl', 'org-night');
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves(invokeResult(null));
    await spend('USER#night-owl', '2026-05-10', 100);
    const d = deps({ dailyTokensPerUser: 100 });
    clock = new Date('2026-05-10T23:59:59.999Z');
    expect(await send(d, connectionId, 'late', 'r-late')).toBe(429);
    clock = new Date('2026-05-11T00:00:00.000Z');
    expect(await send(d, connectionId, 'early', 'r-early')).toBe(200);
    expect(framesTo(connectionId).at(-1)).toMatchObject({ type: 'ack', payload: { intent: 'CHAT' } });
    expect(await usage('USER#night-owl', '2026-05-11')).toMatchObject({ tokens: 45 });
    // Day counters expire a week after their day.
    expect((await usage('USER#night-owl', '2026-05-11'))!.ttl).toBe(Date.parse('2026-05-19T00:00:00.000Z') / 1000);
  });
});

describe('router: build quotas', () => {
  it("passes build-kickoff's QUOTA_EXCEEDED on to the client with its reset time", async () => {
    const connectionId = await connect('builder', 'org-builder');
    classifiedAs('BUILD');
    const message = "You have started today's 2 builds; you can start another at 2026-05-11T00:00:00.000Z.";
    lambda.on(InvokeCommand).resolves(invokeResult({ success: false, error: { code: 'QUOTA_EXCEEDED', message, resetsAt: '2026-05-11T00:00:00.000Z' } }));
    expect(await send(deps(), connectionId, 'Build a tool that converts units')).toBe(429);
    expect(framesTo(connectionId)).toEqual([
      { type: 'error', requestId: 'r-1', payload: { code: 'QUOTA_EXCEEDED', message, resetsAt: '2026-05-11T00:00:00.000Z' } },
    ]);
  });
});

describe('router: operator overrides (LIMITS items)', () => {
  it("lifts one user's budget above the stage's, and lowers another's rate", async () => {
    const vip = await connect('vip', 'org-o');
    const noisy = await connect('noisy', 'org-o');
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves(invokeResult(null));
    await spend('USER#vip', '2026-05-10', 500);
    const d = deps({ dailyTokensPerUser: 500 });
    expect(await send(d, vip)).toBe(429);

    await putOverride(dynamo, 'USER#vip', { dailyTokensPerUser: 10_000 });
    await putOverride(dynamo, 'USER#noisy', { messagesPerMinute: 1, messageBurst: 1 });
    expect(await send(d, vip, 'now?', 'r-2')).toBe(200);
    expect(await send(d, noisy, 'a', 'r-a')).toBe(200);
    expect(await send(d, noisy, 'b', 'r-b')).toBe(429);
  });

  it("applies an org's override to the org's budget and as its members' default, under a member's own", async () => {
    const alice = await connect('alice', 'org-capped');
    const bob = await connect('bob', 'org-capped');
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves(invokeResult(null));
    await putOverride(dynamo, 'ORG#org-capped', { dailyTokensPerUser: 50, dailyTokensPerOrg: 1_000 });
    await putOverride(dynamo, 'USER#bob', { dailyTokensPerUser: 500 });
    await spend('USER#alice', '2026-05-10', 50);
    await spend('USER#bob', '2026-05-10', 50);
    const d = deps();
    expect(await send(d, alice)).toBe(429);
    expect(await send(d, bob)).toBe(200);
    await spend('ORG#org-capped', '2026-05-10', 1_000);
    expect(await send(d, bob, 'again', 'r-2')).toBe(429);
  });

  it('ignores an invalid override field and keeps the rest', async () => {
    const connectionId = await connect('typo', 'org-typo');
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves(invokeResult(null));
    await putOverride(dynamo, 'USER#typo', { messageBurst: -3, messagesPerMinute: 1 });
    const d = deps({ messageBurst: 1 });
    expect(await send(d, connectionId, 'a', 'r-a')).toBe(200);
    expect(await send(d, connectionId, 'b', 'r-b')).toBe(429);
  });

  it('reads an override once per cache period', async () => {
    const connectionId = await connect('cached', 'org-cached');
    classifiedAs('CHAT');
    lambda.on(InvokeCommand).resolves(invokeResult(null));
    await spend('USER#cached', '2026-05-10', 100);
    const cachedDeps = { ...deps(), quotas: testQuotas(dynamo, { limits: { dailyTokensPerUser: 100 }, overrideCacheMs: 60_000 }) };
    expect(await send(cachedDeps, connectionId)).toBe(429);
    await putOverride(dynamo, 'USER#cached', { dailyTokensPerUser: 1_000 });
    expect(await send(cachedDeps, connectionId, 'x', 'r-2')).toBe(429);
    clock = new Date(clock.getTime() + 60_000);
    expect(await send(cachedDeps, connectionId, 'y', 'r-3')).toBe(200);
  });
});

function storedMemory() {
  return {
    id: '7b2d0c8e-4a5f-4c1e-9f7a-2b3c4d5e6f70',
    userId: 'spent-builder',
    orgId: 'org-spent-builder',
    scope: 'user',
    type: 'fact',
    content: 'I like tea',
    importance: 0.5,
    tags: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}
