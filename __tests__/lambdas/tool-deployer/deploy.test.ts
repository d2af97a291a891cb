import { deployTool } from '../../../lambdas/tool-deployer/deploy';
import { HandlerError } from '../../../lambdas/shared/responses';
import { InvalidParameterValueException } from '@aws-sdk/client-lambda';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { notFound } from '../../helpers/fake-lambda';
import { BUCKET, bundleBytes, deployRequest, withShortWaits, resetHarness, ROLE_ARN, sha256Of, startHarness, toolItem, WEATHER_SCHEMA, type Harness } from '../../helpers/tool-deployer-harness';
import { captureOutput } from '../../helpers/telemetry';

const FUNCTION = 'fable-test-tool-weather';
const OWN_TAGS = { 'fable:stage': 'test', 'fable:org': 'org-a', 'fable:tool': 'weather' };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h.lambda.mock.restore();
  await h.dynamo.stop();
});
beforeEach(() => resetHarness(h));

async function expectHandlerError(promise: Promise<unknown>, code: string): Promise<HandlerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HandlerError);
  expect((error as HandlerError).code).toBe(code);
  return error as HandlerError;
}

describe('deploy of a new tool', () => {
  it('creates the function, waits for Active, reserves its concurrency, publishes version 1 behind the live alias with an AWS_IAM URL, then records it', async () => {
    const result = await deployTool(h.deps, deployRequest({ memorySize: 512, timeout: 60, environment: { API_BASE: 'https://api.example.com' } }));

    expect(result.tool).toEqual({
      toolName: 'weather',
      functionName: FUNCTION,
      functionArn: h.lambda.arnOf(FUNCTION),
      functionUrl: h.lambda.urlOf(FUNCTION, 'live'),
      version: 1,
    });
    // Existence check, create, two waiter polls (Pending, Active), concurrency, publish, alias (created on the first deploy), URL.
    expect(h.lambda.sentNames()).toEqual(['GetFunction', 'CreateFunction', 'GetFunction', 'GetFunction', 'PutFunctionConcurrency', 'PublishVersion', 'UpdateAlias', 'CreateAlias', 'CreateFunctionUrlConfig']);
    expect(h.lambda.inputsOf('PutFunctionConcurrency')).toEqual([{ FunctionName: FUNCTION, ReservedConcurrentExecutions: 5 }]);
    expect(h.lambda.inputsOf('PublishVersion')).toEqual([{ FunctionName: FUNCTION, CodeSha256: Buffer.from(sha256Of(bundleBytes('tools/weather/3f2a9c.zip')), 'hex').toString('base64') }]);
    expect(h.lambda.inputsOf('CreateAlias')).toEqual([{ FunctionName: FUNCTION, Name: 'live', FunctionVersion: '1' }]);
    expect(h.lambda.inputsOf('CreateFunction')[0]).toEqual({
      FunctionName: FUNCTION,
      Description: 'Current weather for a city',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Role: ROLE_ARN,
      Code: { S3Bucket: BUCKET, S3Key: 'tools/weather/3f2a9c.zip' },
      MemorySize: 512,
      Timeout: 60,
      Environment: { Variables: { API_BASE: 'https://api.example.com', TOOL_NAME: 'weather', STAGE: 'test' } },
      TracingConfig: { Mode: 'Active' },
      Tags: OWN_TAGS,
    });
    expect(h.lambda.inputsOf('CreateFunctionUrlConfig')).toEqual([{ FunctionName: FUNCTION, Qualifier: 'live', AuthType: 'AWS_IAM' }]);

    const item = await toolItem(h, 'weather');
    expect(item).toEqual({
      PK: 'TOOL#weather',
      SK: 'META',
      GSI1PK: 'ORG#org-a',
      GSI1SK: 'TOOL#weather',
      toolName: 'weather',
      orgId: 'org-a',
      userId: 'user-1',
      functionName: FUNCTION,
      functionArn: h.lambda.arnOf(FUNCTION),
      functionUrl: h.lambda.urlOf(FUNCTION, 'live'),
      s3Key: 'tools/weather/3f2a9c.zip',
      schema: WEATHER_SCHEMA,
      memorySize: 512,
      timeout: 60,
      version: 1,
      liveVersion: 1,
      lambdaVersion: '1',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: item?.createdAt,
    });
  });

  it('applies the contract identity and size defaults when the payload leaves them out', async () => {
    await deployTool(h.deps, deployRequest({ orgId: undefined, userId: undefined, schema: { name: 'w', description: 'd' } }));

    const create = h.lambda.inputsOf('CreateFunction')[0];
    expect(create).toMatchObject({ MemorySize: 256, Timeout: 30, Tags: { 'fable:org': 'default' } });
    expect(await toolItem(h, 'weather')).toMatchObject({
      orgId: 'default',
      userId: 'anonymous',
      GSI1PK: 'ORG#default',
      schema: { name: 'w', description: 'd' },
    });
  });

  it('writes no record when the function never becomes Active, and a rerun adopts the function it left', async () => {
    h.lambda.pollsUntilActive = Infinity;
    const output = captureOutput();
    const error = await withShortWaits(h, () => expectHandlerError(deployTool(h.deps, deployRequest()), 'INTERNAL'));
    output.restore();
    expect(error.message).toContain('did not become active in time');
    expect(output.logs()).toContainEqual(expect.objectContaining({ level: 'WARN', target: 'active', timedOut: true }));
    expect(h.lambda.sentNames()).not.toContain('CreateFunctionUrlConfig');
    expect(await toolItem(h, 'weather')).toBeUndefined();

    h.lambda.functions.get(FUNCTION)!.pendingPolls = 0;
    h.lambda.clearHistory();
    const result = await deployTool(h.deps, deployRequest());
    expect(result.tool.version).toBe(1);
    expect(h.lambda.sentNames()).toEqual([
      'GetFunction',
      'UpdateFunctionCode',
      'GetFunction',
      'GetFunction',
      'UpdateFunctionConfiguration',
      'GetFunction',
      'GetFunction',
      'PutFunctionConcurrency', 'PublishVersion', 'UpdateAlias', 'CreateAlias',
      'DeleteFunctionUrlConfig',
      'GetFunctionUrlConfig',
      'CreateFunctionUrlConfig',
    ]);
    expect(await toolItem(h, 'weather')).toMatchObject({ version: 1, functionUrl: h.lambda.urlOf(FUNCTION, 'live') });
  });

  it('answers BAD_REQUEST without the SDK message when Lambda refuses the bundle, and records nothing', async () => {
    h.lambda.failNext(
      'CreateFunction',
      new InvalidParameterValueException({ message: 'Error occurred while GetObject. S3 Error Code: NoSuchKey', $metadata: {} }),
    );
    const error = await expectHandlerError(deployTool(h.deps, deployRequest()), 'BAD_REQUEST');
    expect(error.message).not.toContain('NoSuchKey');
    expect(await toolItem(h, 'weather')).toBeUndefined();
  });

  it('maps a create race lost to another deploy to CONFLICT and records nothing', async () => {
    // Another deploy creates the function between our existence check and our create.
    h.lambda.seed(FUNCTION, OWN_TAGS);
    h.lambda.failNext('GetFunction', notFound());
    await expectHandlerError(deployTool(h.deps, deployRequest()), 'CONFLICT');
    expect(await toolItem(h, 'weather')).toBeUndefined();
  });
});

describe('redeploy of a recorded tool', () => {
  it('updates code then configuration, each awaited, publishes a new version, moves live to it, keeps the URL, and increments the version', async () => {
    const first = await deployTool(h.deps, deployRequest());
    const created = await toolItem(h, 'weather');
    h.lambda.clearHistory();

    const second = await deployTool(h.deps, deployRequest({ s3Key: 'tools/weather/77bb01.zip', memorySize: 1024, timeout: 120, userId: 'user-2' }));

    expect(second.tool).toEqual({ ...first.tool, version: 2 });
    expect(h.lambda.sentNames()).toEqual([
      'GetFunction',
      'UpdateFunctionCode',
      'GetFunction',
      'GetFunction',
      'UpdateFunctionConfiguration',
      'GetFunction',
      'GetFunction',
      'PutFunctionConcurrency',
      'PublishVersion',
      'UpdateAlias',
      'DeleteFunctionUrlConfig',
      'GetFunctionUrlConfig',
    ]);
    expect(h.lambda.inputsOf('UpdateAlias')).toEqual([{ FunctionName: FUNCTION, Name: 'live', FunctionVersion: '2' }]);
    expect(h.lambda.live(FUNCTION)).toEqual({ version: '2', s3Key: 'tools/weather/77bb01.zip' });
    expect(h.lambda.functions.get(FUNCTION)?.versions.map((v) => v.version)).toEqual(['1', '2']);
    expect(h.lambda.inputsOf('UpdateFunctionCode')).toEqual([
      { FunctionName: FUNCTION, S3Bucket: BUCKET, S3Key: 'tools/weather/77bb01.zip', Architectures: ['arm64'] },
    ]);
    expect(h.lambda.inputsOf('UpdateFunctionConfiguration')).toEqual([
      {
        FunctionName: FUNCTION,
        Description: 'Current weather for a city',
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        Role: ROLE_ARN,
        MemorySize: 1024,
        Timeout: 120,
        Environment: { Variables: { TOOL_NAME: 'weather', STAGE: 'test' } },
        TracingConfig: { Mode: 'Active' },
      },
    ]);
    const updated = await toolItem(h, 'weather');
    expect(updated).toMatchObject({ version: 2, liveVersion: 2, lambdaVersion: '2', s3Key: 'tools/weather/77bb01.zip', memorySize: 1024, timeout: 120 });
    // Creation facts stay: who created it and when.
    expect(updated).toMatchObject({ userId: 'user-1', createdAt: created?.createdAt, GSI1PK: 'ORG#org-a' });
    expect(Object.values(updated!).every((value) => value !== undefined && value !== null)).toBe(true);
  });

  it('is safe to repeat: the same deploy three times gives one function, one URL and versions 1, 2, 3', async () => {
    const versions = [];
    for (let i = 0; i < 3; i += 1) versions.push((await deployTool(h.deps, deployRequest())).tool.version);
    expect(versions).toEqual([1, 2, 3]);
    expect(h.lambda.functions.size).toBe(1);
    expect(h.lambda.inputsOf('CreateFunction')).toHaveLength(1);
    expect(h.lambda.inputsOf('CreateFunctionUrlConfig')).toHaveLength(1);
  });

  it('keeps the last good version in the record when an update never finishes', async () => {
    await deployTool(h.deps, deployRequest());
    const before = await toolItem(h, 'weather');
    h.lambda.pollsUntilUpdated = Infinity;
    const output = captureOutput();

    const error = await withShortWaits(h, () =>
      expectHandlerError(deployTool(h.deps, deployRequest({ s3Key: 'tools/weather/broken.zip' })), 'INTERNAL'),
    );
    output.restore();
    expect(error.message).toContain('did not become updated in time');
    expect(output.logs()).toContainEqual(expect.objectContaining({ level: 'WARN', target: 'updated', timedOut: true }));
    expect(h.lambda.sentNames()).not.toContain('UpdateFunctionConfiguration');
    expect(await toolItem(h, 'weather')).toEqual(before);
  });

  it('recreates a recorded tool whose function was deleted, continuing the version sequence', async () => {
    await deployTool(h.deps, deployRequest());
    h.lambda.functions.delete(FUNCTION);
    h.lambda.clearHistory();

    const result = await deployTool(h.deps, deployRequest());
    expect(result.tool.version).toBe(2);
    expect(h.lambda.sentNames()).toEqual(['GetFunction', 'CreateFunction', 'GetFunction', 'GetFunction', 'PutFunctionConcurrency', 'PublishVersion', 'UpdateAlias', 'CreateAlias', 'CreateFunctionUrlConfig']);
  });

  it('switches a live Function URL that someone opened to NONE back to AWS_IAM', async () => {
    h.lambda.seed(FUNCTION, OWN_TAGS, { AuthType: 'NONE', qualifier: 'live' });
    await deployTool(h.deps, deployRequest());
    expect(h.lambda.inputsOf('UpdateFunctionUrlConfig')).toEqual([{ FunctionName: FUNCTION, Qualifier: 'live', AuthType: 'AWS_IAM' }]);
    expect(h.lambda.functions.get(FUNCTION)?.urls.get('live')?.AuthType).toBe('AWS_IAM');
  });

  it('removes a URL on the unqualified function (a tool deployed before versions), which would serve $LATEST past a rollback', async () => {
    h.lambda.seed(FUNCTION, OWN_TAGS, { AuthType: 'AWS_IAM' });
    const result = await deployTool(h.deps, deployRequest());
    expect(h.lambda.inputsOf('DeleteFunctionUrlConfig')).toEqual([{ FunctionName: FUNCTION }]);
    expect([...h.lambda.functions.get(FUNCTION)!.urls.keys()]).toEqual(['live']);
    expect(result.tool.functionUrl).toBe(h.lambda.urlOf(FUNCTION, 'live'));
  });

  it('publishes only the approved bytes: the approved sha256 goes to PublishVersion as CodeSha256, and the history keeps who approved it', async () => {
    const sha256 = sha256Of(bundleBytes('tools/weather/3f2a9c.zip'));
    await deployTool(h.deps, deployRequest({ approvedBy: 'user-9', buildId: 'b-1' }));
    expect(h.lambda.inputsOf('PublishVersion')).toEqual([{ FunctionName: FUNCTION, CodeSha256: Buffer.from(sha256, 'hex').toString('base64') }]);
    const entry = await h.doc.send(new GetCommand({ TableName: h.tableName, Key: { PK: 'TOOL#weather', SK: 'VERSION#0000000001' } }));
    expect(entry.Item).toMatchObject({ version: 1, lambdaVersion: '1', sha256, approvedBy: 'user-9', buildId: 'b-1' });
    expect(await toolItem(h, 'weather')).not.toHaveProperty('sha256');
  });
});

describe('ownership', () => {
  it('refuses a tool name recorded by another org with CONFLICT before touching Lambda', async () => {
    await deployTool(h.deps, deployRequest());
    const before = await toolItem(h, 'weather');
    h.lambda.clearHistory();

    await expectHandlerError(deployTool(h.deps, deployRequest({ orgId: 'org-b', s3Key: 'tools/weather/evil.zip' })), 'CONFLICT');
    expect(h.lambda.sentNames()).toEqual([]);
    expect(await toolItem(h, 'weather')).toEqual(before);
  });

  it('never adopts an unrecorded function tagged for another org', async () => {
    h.lambda.seed(FUNCTION, { ...OWN_TAGS, 'fable:org': 'org-b' });
    await expectHandlerError(deployTool(h.deps, deployRequest()), 'CONFLICT');
    expect(h.lambda.sentNames()).toEqual(['GetFunction']);
    expect(await toolItem(h, 'weather')).toBeUndefined();
  });

  it('never adopts a function the deployer did not create (no FABLE tags)', async () => {
    h.lambda.seed(FUNCTION, { Project: 'FABLE', ManagedBy: 'cdktf' });
    await expectHandlerError(deployTool(h.deps, deployRequest()), 'CONFLICT');
    expect(h.lambda.sentNames()).toEqual(['GetFunction']);
  });
});
