/**
 * Every Lambda's role, proven against the calls its code makes. Each Lambda's real handler runs
 * with the environment fable-dev gives it, through scenarios that reach every AWS call in its code:
 * DynamoDB calls go to DynamoDB Local (recorded on the handlers' client), PostgreSQL to PGlite,
 * the other services to aws-sdk-client-mock stubs (their calls are read back), the user pool's
 * JWKS to a local HTTPS server (a public document: no AWS call, no grant). Each call becomes
 * the IAM requests AWS makes for it, and a real IAM evaluator (@cloud-copilot/iam-simulate) checks
 * them against the role's synthesized policies. Three things must hold for every Lambda:
 * - every call it made is allowed (and a Lambda whose code can call no AWS API made none);
 * - it was seen making every call its code can make (else a scenario is missing);
 * - it is granted no action it never needed (each role allows exactly what its handler calls).
 */
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { CloudWatchLogsClient, CreateLogGroupCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { FUNCTION_SETTINGS, LAMBDA_NAMES, TABLES, keys, type FunctionSettings, type LambdaName } from '../../lambdas/shared/contract';
import { dynamoDocumentClient } from '../../lambdas/shared/clients/dynamodb';
import { handler as chat } from '../../lambdas/chat';
import { handler as connectionManager } from '../../lambdas/connection-manager';
import { handler as router } from '../../lambdas/router';
import { handler as memory } from '../../lambdas/memory';
import { handler as dbInit } from '../../lambdas/db-init';
import { handler as toolDeployer } from '../../lambdas/tool-deployer';
import { handler as buildKickoff } from '../../lambdas/build-kickoff';
import { handler as updateBuildStatus } from '../../lambdas/update-build-status';
import { handler as wsAuthorizer } from '../../lambdas/ws-authorizer';
import { handler as userData } from '../../lambdas/user-data';
import { serveJwks, TestUserPool, type JwksServer } from '../helpers/cognito-tokens';
import { iamRequests, mockedCalls, presignedCall, recordCalls, type AwsCall } from '../helpers/aws-calls';
import { createTableInput, startDynamoLocal, type LocalDynamo } from '../../scripts/local/dynamodb-local';
import { handlerOperations } from '../helpers/handler-operations';
import { decideAll } from '../helpers/iam-simulator';
import { answerWith, textAnswer, toolCallAnswer } from '../helpers/chat-fixtures';
import { authorizerEvent, websocketEvent } from '../helpers/lambda-events';
import { startPglite, PGLITE_USER, type PgliteServer } from '../../scripts/local/pglite';
import { synthDevIam, type StackIam } from '../helpers/stack-iam';
import { stubBundles } from '../helpers/stub-bundles';
import { FakeLambda } from '../helpers/fake-lambda';
import { titanResponse } from '../helpers/fake-embeddings';
import { FakeS3 } from '../helpers/fake-s3';
import { captureOutput, type CapturedOutput } from '../helpers/telemetry';
import { bundleBytes, serveBundles, sha256Of } from '../helpers/tool-deployer-harness';

const bedrock = mockClient(BedrockRuntimeClient);
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
const websocket = mockClient(ApiGatewayManagementApiClient);
const secrets = mockClient(SecretsManagerClient);
const logs = mockClient(CloudWatchLogsClient);
/** The Lambda API, for invocations and for the tool-deployer's control plane alike. */
let lambda: FakeLambda;

let iam: StackIam;
let dynamo: LocalDynamo;
let pglite: PgliteServer;
let jwks: JwksServer;
/** Calls of the handlers' own DynamoDB client (setup writes use another client and are not counted). */
const dynamoCalls: AwsCall[] = [];
/** GETs of the pre-signed URLs handlers gave out (made later, with the handler's credentials). */
const presignedCalls: AwsCall[] = [];

/** Every call since the last `resetCalls`, from DynamoDB Local and from every stub. */
function calls(): AwsCall[] {
  const stubs: [string, AwsStub<any, any, any>][] = [
    ['BedrockRuntime', bedrock],
    ['S3', s3],
    ['SFN', sfn],
    ['ApiGatewayManagementApi', websocket],
    ['SecretsManager', secrets],
    ['CloudWatchLogs', logs],
    ['Lambda', lambda.mock],
  ];
  return [...dynamoCalls, ...presignedCalls, ...stubs.flatMap(([service, stub]) => mockedCalls(service, stub))];
}

function resetCalls(): void {
  dynamoCalls.length = 0;
  presignedCalls.length = 0;
  for (const stub of [bedrock, s3, sfn, websocket, secrets, logs]) stub.resetHistory();
  lambda.mock.resetHistory();
}

const invokeResult = (body: unknown): InvokeCommandOutput =>
  ({ $metadata: {}, StatusCode: 200, Payload: Buffer.from(JSON.stringify(body)) }) as unknown as InvokeCommandOutput;

/** The handlers' logs and metrics, kept off the terminal. */
let output: CapturedOutput | undefined;

beforeAll(async () => {
  iam = await synthDevIam(stubBundles());
  dynamo = await startDynamoLocal();
  // The stack's own table names: the handlers get exactly fable-dev's environment.
  for (const table of TABLES) await dynamo.client.send(new CreateTableCommand(createTableInput(table, `fable-dev-${table.component}`)));
  pglite = await startPglite();
  const environment = Object.assign({}, ...LAMBDA_NAMES.map((name) => iam.lambdaEnvironment(`fable-dev-${name}`)));
  // Aurora is PGlite here (plain TCP); the secret stays the stack's, so its ARN is what is authorized.
  Object.assign(process.env, environment, { DB_HOST: pglite.env.DB_HOST, DB_PORT: pglite.env.DB_PORT, DB_SSL: 'disable' });
  recordCalls(dynamoDocumentClient(), dynamoCalls);
  lambda = new FakeLambda(true);
  lambda.pollsUntilActive = 0;
  lambda.pollsUntilUpdated = 0;
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: PGLITE_USER, password: 'from-secrets-manager' }) });
  bedrock.on(InvokeModelCommand).callsFake(titanResponse);
  websocket.on(PostToConnectionCommand).resolves({});
  logs.on(CreateLogGroupCommand).resolves({}).on(PutRetentionPolicyCommand).resolves({});
  output = captureOutput();
}, 120_000);

afterAll(async () => {
  output?.restore();
  await jwks?.stop();
  await pglite?.stop();
  await dynamo?.stop();
});

/** Run `scenarios` as `name`, then check its role against what it did. */
function provesRole(name: LambdaName, scenarios: () => Promise<void>): void {
  describe(name, () => {
    let made: AwsCall[];

    beforeAll(async () => {
      resetCalls();
      await scenarios();
      made = calls();
    }, 120_000);

    it('may make every call its code made', async () => {
      const requests = made.flatMap((call) => iamRequests(call, { websocketEndpoint: process.env.WEBSOCKET_ENDPOINT }));
      // Calls were made exactly when the code has some to make.
      expect(requests.length > 0).toBe((await handlerOperations(name)).size > 0);
      const decisions = await decideAll(iam.principal(`fable-dev-${name}`), requests);
      expect(decisions.filter((d) => d.decision !== 'Allowed')).toEqual([]);
    });

    it('was seen making every call its code can make', async () => {
      const seen = new Set(made.map((call) => `${call.service}:${call.operation}`));
      expect([...(await handlerOperations(name))].filter((operation) => !seen.has(operation))).toEqual([]);
    });

    it('invokes asynchronously only functions whose failed events Lambda keeps in a dead-letter queue', () => {
      const asyncTargets = [
        ...new Set(
          made
            .filter((call) => call.service === 'Lambda' && call.operation === 'Invoke' && call.input.InvocationType === 'Event')
            .map((call) => String(call.input.FunctionName)),
        ),
      ];
      expect(asyncTargets).toEqual(ASYNC_INVOCATIONS[name] ?? []);
      const destinations = Object.fromEntries(
        iam.resources('aws_lambda_function_event_invoke_config').map((config) => [config.function_name, config.destination_config?.on_failure?.destination]),
      );
      for (const target of asyncTargets) {
        expect({ target, destination: destinations[target] }).toEqual({ target, destination: `arn:aws:sqs:us-west-2:123456789012:${target}-dlq` });
      }
    });

    it('may send to no queue but its own dead-letter queue', () => {
      const sends = iam
        .principal(`fable-dev-${name}`)
        .policies.flatMap((policy) => policy.Statement as { Effect: string; Action: string | string[]; Resource: string | string[] }[])
        .filter((statement) => [statement.Action].flat().includes('sqs:SendMessage'));
      const expected = (FUNCTION_SETTINGS[name] as FunctionSettings).asyncInvocation ? [`arn:aws:sqs:us-west-2:123456789012:fable-dev-${name}-dlq`] : [];
      expect(sends.flatMap((statement) => [statement.Resource].flat())).toEqual(expected);
    });

    it('is granted no action its code never needed', async () => {
      const requested = new Set(made.flatMap((call) => iamRequests(call, { websocketEndpoint: process.env.WEBSOCKET_ENDPOINT })).map((r) => r.action));
      // Every Lambda's own log group, traces and, in the VPC, its network interfaces: Lambda's doing, not the handler's.
      // So is sending a failed async event to the function's dead-letter queue (its on-failure destination): Lambda
      // delivers it with the function's role (on-failure-destination test below: that queue only).
      const platform = /^(logs:(CreateLogStream|PutLogEvents)|xray:|ec2:|sqs:SendMessage$)/;
      const granted = iam
        .principal(`fable-dev-${name}`)
        .policies.flatMap((policy) => policy.Statement as { Effect: string; Action: string | string[] }[])
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap((statement) => [statement.Action].flat())
        .filter((action) => !platform.test(action));
      expect([...new Set(granted)].filter((action) => !requested.has(action))).toEqual([]);
    });
  });
}

/** FABLE's only asynchronous invocation: the router hands a message to chat (every other call waits for its answer). */
const ASYNC_INVOCATIONS: Partial<Record<LambdaName, string[]>> = { router: ['fable-dev-chat'] };

const CONNECTION = 'conn-1=';
const USER = { userId: 'user-1', orgId: 'org-1' };
/** The rest of the identity the authorizer establishes, valid for an hour. */
const signedIn = () => ({ orgRole: 'member', expiresAt: Math.floor(Date.now() / 1000) + 3600 });

/** Set a counter of today in the quotas table, as earlier requests would have left it. */
async function spentToday(partition: string, counters: Record<string, number>): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  await dynamo.doc.send(new PutCommand({ TableName: 'fable-dev-quotas', Item: { PK: partition, SK: `USAGE#${day}`, ...counters } }));
}

async function putConnection(connectionId: string): Promise<void> {
  await dynamo.doc.send(new PutCommand({ TableName: 'fable-dev-connections', Item: { connectionId, ...USER, ...signedIn(), groups: [] } }));
}

provesRole('ws-authorizer', async () => {
  // A pool with the stack's own ids, its JWKS served here.
  const pool = new TestUserPool(process.env.USER_POOL_ID, process.env.USER_POOL_CLIENT_ID);
  jwks = await serveJwks(pool);
  const token = pool.idToken({ sub: USER.userId, orgId: USER.orgId });
  expect(await wsAuthorizer(authorizerEvent({ headers: { 'Sec-WebSocket-Protocol': `fable.v1, fable.bearer.${token}` } }))).toMatchObject({ principalId: USER.userId });
  await expect(wsAuthorizer(authorizerEvent({ query: { token: `${token}x` } }))).rejects.toThrow('Unauthorized');
  await expect(wsAuthorizer(authorizerEvent())).rejects.toThrow('Unauthorized');
});

provesRole('connection-manager', async () => {
  expect(await connectionManager(websocketEvent('$connect', CONNECTION, { authorizer: { principalId: USER.userId, ...USER, ...signedIn(), groups: '' } }))).toEqual({ statusCode: 200 });
  expect(await connectionManager(websocketEvent('$disconnect', CONNECTION))).toEqual({ statusCode: 200 });
});

provesRole('router', async () => {
  await putConnection(CONNECTION);
  const classifiedAs = (intent: string) =>
    bedrock.on(ConverseCommand).resolves({
      output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't-1', name: 'classify_intent', input: { intent } } }] } },
      stopReason: 'tool_use',
      usage: { inputTokens: 40, outputTokens: 5, totalTokens: 45 },
    });
  const say = (content: string, requestId: string, connectionId = CONNECTION) =>
    router(websocketEvent('$default', connectionId, { body: JSON.stringify({ type: 'message', content, requestId }) }));

  expect(await router(websocketEvent('$default', CONNECTION, { body: '{"type":"ping"}' }))).toEqual({ statusCode: 200 });
  classifiedAs('CHAT');
  lambda.mock.on(InvokeCommand).resolves({ $metadata: {}, StatusCode: 202 });
  expect(await say('hello', 'r-chat')).toEqual({ statusCode: 200 });
  classifiedAs('BUILD');
  lambda.mock.on(InvokeCommand).resolves(invokeResult({ success: true, buildId: '0b6e4a2c-1c53-4c43-9a51-3d8e0d4f5a10', status: 'pending' }));
  expect(await say('build me a weather tool', 'r-build')).toEqual({ statusCode: 200 });
  classifiedAs('MEMORY');
  lambda.mock.on(InvokeCommand).resolves(
    invokeResult({
      success: true,
      memory: { id: '5f0c8f0e-9d7b-4a53-8b1a-0b7f8a1e2c3d', ...USER, scope: 'user', type: 'fact', content: 'x', importance: 0.5, tags: [], createdAt: 'now', updatedAt: 'now' },
    }),
  );
  expect(await say('remember that I like tea', 'r-memory')).toEqual({ statusCode: 200 });
  lambda.mock.on(InvokeCommand).resolves(invokeResult({ success: true, counts: { memories: 0 } }));
  expect(await router(websocketEvent('$default', CONNECTION, { body: '{"type":"data_request","action":"erase","requestId":"r-erase"}' }))).toEqual({ statusCode: 200 });
  // A user who spent the day's tokens is refused CHAT, and the refusal recorded.
  await dynamo.doc.send(
    new PutCommand({ TableName: 'fable-dev-connections', Item: { connectionId: 'conn-spent=', userId: 'user-spent', orgId: USER.orgId, ...signedIn(), groups: [] } }),
  );
  await spentToday(keys.user('user-spent'), { tokens: 1_000_000_000 });
  expect(await say('hello', 'r-spent', 'conn-spent=')).toEqual({ statusCode: 429 });
  // A review and a cancel go to build-kickoff, which checks the caller against the build.
  const buildId = '0b6e4a2c-1c53-4c43-9a51-3d8e0d4f5a10';
  lambda.mock.on(InvokeCommand).resolves(invokeResult({ success: true, buildId, status: 'awaiting_approval' }));
  expect(await router(websocketEvent('$default', CONNECTION, { body: JSON.stringify({ type: 'review_build', buildId, decision: 'approve' }) }))).toEqual({ statusCode: 200 });
  lambda.mock.on(InvokeCommand).resolves(invokeResult({ success: true, buildId, status: 'cancelled' }));
  expect(await router(websocketEvent('$default', CONNECTION, { body: JSON.stringify({ type: 'cancel_build', buildId }) }))).toEqual({ statusCode: 200 });
  // A vanished connection is removed from the table.
  await putConnection('conn-gone=');
  websocket.on(PostToConnectionCommand, { ConnectionId: 'conn-gone=' }).rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
  expect(await router(websocketEvent('$default', 'conn-gone=', { body: '{"type":"ping"}' }))).toEqual({ statusCode: 410 });
});

provesRole('chat', async () => {
  await dynamo.doc.send(
    new PutCommand({
      TableName: 'fable-dev-tools',
      Item: {
        PK: keys.tool('forecast'),
        SK: keys.meta,
        GSI1PK: keys.org(USER.orgId),
        GSI1SK: keys.tool('forecast'),
        toolName: 'forecast',
        functionName: 'fable-dev-tool-forecast',
        schema: { name: 'forecast', description: 'Tomorrow\'s weather', inputSchema: { type: 'object', properties: {} } },
      },
    }),
  );
  lambda.mock.on(InvokeCommand, { FunctionName: 'fable-dev-memory' }).resolves(invokeResult({ success: true, memories: [] }));
  lambda.mock.on(InvokeCommand, { FunctionName: 'fable-dev-tool-forecast' }).resolves(invokeResult({ success: true, forecast: 'sunny' }));
  const ask = (requestId: string, connectionId = CONNECTION) =>
    chat({ connectionId, ...USER, requestId, conversationId: `conv-${requestId}`, content: 'Weather in Oslo?' });

  // A turn that calls the org's tool, then the same delivery again.
  answerWith(bedrock, toolCallAnswer('', { id: 'tu-1', name: 'forecast', inputPieces: ['{}'] }), textAnswer(['Sunny.']));
  expect(await ask('r-1')).toEqual({ outcome: 'completed' });
  expect(await ask('r-1')).toEqual({ outcome: 'duplicate' });
  // Another user's conversation: refused, and the refusal recorded.
  await dynamo.doc.send(new PutCommand({ TableName: 'fable-dev-conversations', Item: { PK: keys.conversation('conv-theirs'), SK: keys.meta, userId: 'user-2' } }));
  expect(await chat({ connectionId: CONNECTION, ...USER, requestId: 'r-theirs', conversationId: 'conv-theirs', content: 'hi' })).toEqual({ outcome: 'forbidden' });
  // A vanished connection is removed from the table.
  await putConnection('conn-gone=');
  websocket.on(PostToConnectionCommand, { ConnectionId: 'conn-gone=' }).rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
  answerWith(bedrock, textAnswer(['Nobody hears this.']));
  expect(await ask('r-2', 'conn-gone=')).toEqual({ outcome: 'gone' });
  // A throttled history read before anything was sent: the request is given back for Lambda's retry.
  const client = dynamoDocumentClient();
  const send = client.send.bind(client);
  jest.spyOn(client, 'send').mockImplementation(((command: { input: { TableName?: string } }) =>
    command instanceof QueryCommand && command.input.TableName === 'fable-dev-conversations'
      ? Promise.reject(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))
      : send(command as never)) as never);
  try {
    await expect(ask('r-3')).rejects.toThrow('slow down');
  } finally {
    jest.mocked(client.send).mockRestore();
  }
});

provesRole('db-init', async () => {
  expect(await dbInit({ action: 'migrate' })).toMatchObject({ success: true });
  expect(await dbInit({ action: 'check' })).toMatchObject({ success: true });
});

provesRole('memory', async () => {
  const call = async (action: string, payload: Record<string, unknown>) => {
    const response = (await memory({ action, payload: { ...USER, ...payload } })) as { success: boolean; memory?: { id: string } };
    expect({ action, success: response.success }).toEqual({ action, success: true });
    return response;
  };
  const { memory: created } = await call('create', { content: 'I like tea' });
  await call('search', { query: 'tea' });
  await call('get', { id: created!.id });
  await call('update', { id: created!.id, content: 'I like green tea' });
  await call('list', {});
  await call('export', {});
  await call('delete', { id: created!.id });
  await call('erase', {});
  // Another user of the org may see an org memory but not delete it: refused and recorded.
  const { memory: shared } = await call('create', { content: 'The team meets on Mondays', scope: 'org' });
  expect(await memory({ action: 'delete', payload: { ...USER, userId: 'user-2', id: shared!.id } })).toMatchObject({ error: { code: 'FORBIDDEN' } });
});

provesRole('tool-deployer', async () => {
  // The deployer hashes each bundle it is asked to deploy (a GetObject under tools/).
  serveBundles(s3, process.env.ARTIFACTS_BUCKET!, new Map());
  const s3Key = `tools/weather/${'a'.repeat(64)}.zip`;
  const deploy = () =>
    toolDeployer({
      action: 'deploy',
      payload: {
        toolName: 'weather',
        s3Key,
        sha256: sha256Of(bundleBytes(s3Key)),
        schema: { name: 'get_weather', description: 'Current weather', inputSchema: { type: 'object', properties: {} } },
        ...USER,
      },
    });
  expect(await deploy()).toMatchObject({ success: true });
  // A redeploy updates the function, and puts back an AWS_IAM URL someone opened up.
  lambda.functions.get('fable-dev-tool-weather')!.urls.get('live')!.AuthType = 'NONE';
  expect(await deploy()).toMatchObject({ success: true });
  expect(await toolDeployer({ action: 'list', payload: { orgId: USER.orgId } })).toMatchObject({ success: true });
  expect(await toolDeployer({ action: 'undeploy', payload: { toolName: 'weather', orgId: 'org-2' } })).toMatchObject({ error: { code: 'FORBIDDEN' } });
  expect(await toolDeployer({ action: 'undeploy', payload: { toolName: 'weather', orgId: USER.orgId } })).toMatchObject({ success: true });
});

provesRole('build-kickoff', async () => {
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-west-2:123456789012:execution:fable-dev-build-pipeline:x', startDate: new Date() });
  s3.on(PutObjectCommand).resolves({});
  const start = (idempotencyKey: string) => buildKickoff({ action: 'start', payload: { request: 'Build a weather tool', ...USER, idempotencyKey } });
  const started = (await start('k-1')) as { success: boolean; buildId: string };
  expect(started.success).toBe(true);
  expect(await start('k-1')).toMatchObject({ success: true, buildId: started.buildId });
  expect(await buildKickoff({ action: 'status', payload: { buildId: started.buildId, ...USER } })).toMatchObject({ success: true });
  // Another member of the org is refused, and the refusal recorded.
  expect(await buildKickoff({ action: 'status', payload: { buildId: started.buildId, ...USER, userId: 'user-2' } })).toMatchObject({ error: { code: 'FORBIDDEN' } });
  // A pipeline that cannot be started marks its build failed.
  sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
  expect(await start('k-2')).toMatchObject({ success: false });
  // A user who started the day's builds is refused, and the refusal recorded.
  await spentToday(keys.user('user-busy'), { builds: 1_000 });
  expect(await buildKickoff({ action: 'start', payload: { request: 'Build a weather tool', userId: 'user-busy', orgId: USER.orgId } })).toMatchObject({
    success: false,
    error: { code: 'QUOTA_EXCEEDED' },
  });

  // Its owner approves one build's artifacts, rejects another's, and cancels a third.
  sfn.on(SendTaskSuccessCommand).resolves({}).on(SendTaskFailureCommand).resolves({}).on(StopExecutionCommand).resolves({ stopDate: new Date() });
  const caller = { ...USER, orgRole: 'member', groups: [] };
  const awaiting = async (buildId: string) => {
    await dynamo.doc.send(
      new PutCommand({
        TableName: 'fable-dev-builds',
        Item: {
          PK: keys.build(buildId),
          SK: keys.meta,
          buildId,
          ...USER,
          status: 'awaiting_approval',
          phase: 'oi',
          review: { tools: [], summary: 'x', recordedAt: 't' },
          approvalToken: `token-${buildId}`,
          createdAt: 't',
          updatedAt: 't',
        },
      }),
    );
    return buildId;
  };
  const approved = await awaiting('1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d');
  expect(await buildKickoff({ action: 'review', payload: { buildId: approved, decision: 'approve', caller } })).toMatchObject({ success: true });
  const rejected = await awaiting('2a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d');
  expect(await buildKickoff({ action: 'review', payload: { buildId: rejected, decision: 'reject', caller } })).toMatchObject({ success: true });
  const cancelled = await awaiting('3a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d');
  expect(await buildKickoff({ action: 'cancel', payload: { buildId: cancelled, caller } })).toMatchObject({ success: true, status: 'cancelled' });
  // Someone else's attempt is refused and recorded.
  const stranger = { ...caller, userId: 'user-2' };
  expect(await buildKickoff({ action: 'cancel', payload: { buildId: approved, caller: stranger } })).toMatchObject({ error: { code: 'FORBIDDEN' } });
});

provesRole('update-build-status', async () => {
  const buildId = '7d4c2b1a-0e9f-4a8b-9c7d-6e5f4a3b2c1d';
  await dynamo.doc.send(
    new PutCommand({
      TableName: 'fable-dev-builds',
      Item: {
        PK: keys.build(buildId),
        SK: keys.meta,
        GSI1PK: keys.user(USER.userId),
        GSI1SK: keys.build('2026-11-30T00:00:00.000Z'),
        buildId,
        status: 'pending',
        ...USER,
        request: 'Build a weather tool',
        requestTruncated: false,
        createdAt: '2026-11-30T00:00:00.000Z',
        updatedAt: '2026-11-30T00:00:00.000Z',
      },
    }),
  );
  await putConnection(CONNECTION);
  await putConnection('conn-gone=');
  websocket.on(PostToConnectionCommand, { ConnectionId: 'conn-gone=' }).rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
  expect(await updateBuildStatus({ buildId, status: 'running', phase: 'core' })).toMatchObject({ success: true });
  // A late repeat is a CONFLICT: the build is read to say where it is.
  expect(await updateBuildStatus({ buildId, status: 'running', phase: 'core' })).toMatchObject({ success: false, error: { code: 'CONFLICT' } });
  // After OI: each bundle hashed from S3 and recorded; then the review awaits its decision.
  expect(await updateBuildStatus({ buildId, status: 'running', phase: 'oi' })).toMatchObject({ success: true });
  serveBundles(s3, process.env.ARTIFACTS_BUCKET!, new Map());
  const tool = { toolName: 'dice', s3Key: 'tools/dice/a.zip', schema: { name: 'dice', description: 'Rolls dice', inputSchema: { type: 'object' } } };
  expect(await updateBuildStatus({ buildId, artifacts: { tools: [tool] } })).toMatchObject({ success: true });
  expect(await updateBuildStatus({ buildId, status: 'awaiting_approval', taskToken: 'token-1' })).toMatchObject({ success: true });
  // A final status is written with its audit event and gives the org's build slot back.
  await dynamo.doc.send(new PutCommand({ TableName: 'fable-dev-quotas', Item: { PK: keys.org(USER.orgId), SK: 'BUILDS#active', active: { [buildId]: 4_000_000_000 } } }));
  expect(await updateBuildStatus({ buildId, status: 'failed', error: 'agent failed' })).toMatchObject({ success: true });
});

provesRole('user-data', async () => {
  const bucket = process.env.ARTIFACTS_BUCKET!;
  const buildId = '3c9e1f2a-5b7d-4e8f-9a1b-2c3d4e5f6a7b';
  const put = (table: string, Item: Record<string, unknown>) => dynamo.doc.send(new PutCommand({ TableName: `fable-dev-${table}`, Item }));
  await putConnection(CONNECTION);
  await put('conversations', { PK: keys.conversation('conv-mine'), SK: keys.meta, GSI1PK: keys.user(USER.userId), GSI1SK: keys.conversation('t'), conversationId: 'conv-mine', ...USER });
  await put('conversations', { PK: keys.conversation('conv-mine'), SK: keys.message('t', 0), role: 'user', content: 'hi', createdAt: 't' });
  await put('builds', { PK: keys.build(buildId), SK: keys.meta, GSI1PK: keys.user(USER.userId), GSI1SK: keys.build('t'), buildId, ...USER, status: 'completed', request: 'Build', requestTruncated: true, createdAt: 't', updatedAt: 't' });
  await put('tools', { PK: keys.tool('dice'), SK: keys.meta, GSI1PK: keys.org(USER.orgId), GSI1SK: keys.tool('dice'), toolName: 'dice', ...USER });
  const bucketFiles = new FakeS3(bucket, s3);
  bucketFiles.put(`builds/${buildId}/spec.json`, { request: 'Build a dice tool that rolls any number of dice' });
  // Memory answers for itself (its own role is proven above).
  lambda.mock.on(InvokeCommand, { FunctionName: 'fable-dev-memory' }).callsFake((input: InvokeCommand['input']) => {
    const { action } = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString());
    return invokeResult(action === 'export' ? { success: true, memories: [], total: 0 } : { success: true, erased: 0, more: false });
  });
  const request = (action: string, requestId: string, userId = USER.userId) => userData({ action, payload: { ...USER, userId, requestId } }) as Promise<{ success: boolean; url?: string }>;

  const exported = await request('export', 'r-export');
  expect(exported).toMatchObject({ success: true });
  presignedCalls.push(presignedCall(exported.url!));
  expect(await request('export', 'r-export')).toMatchObject({ success: true });
  expect(await request('erase', 'r-erase')).toMatchObject({ success: true });
  expect(await request('erase', 'r-anonymous', 'anonymous')).toMatchObject({ error: { code: 'FORBIDDEN' } });
});
