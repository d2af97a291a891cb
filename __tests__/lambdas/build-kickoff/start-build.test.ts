import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { startBuild, REQUEST_PREVIEW_CHARS, type KickoffDeps } from '../../../lambdas/build-kickoff/start-build';
import { buildIdFor } from '../../../lambdas/build-kickoff/build-id';
import { UUID_PATTERN, type StartBuildInput } from '../../../lambdas/shared/contract';
import { respond } from '../../../lambdas/shared/responses';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { testQuotas } from '../../helpers/quotas';
import { captureOutput } from '../../helpers/telemetry';

const BUCKET = 'fable-test-artifacts-123456789012';
const STATE_MACHINE_ARN = 'arn:aws:states:us-west-2:123456789012:stateMachine:fable-test-build-pipeline';
const NOW = new Date('2026-01-02T03:04:05.000Z');

let dynamo: LocalDynamo;
const s3 = new S3Client({ region: 'us-west-2' });
const sfn = new SFNClient({ region: 'us-west-2' });
const s3Mock = mockClient(s3);
const sfnMock = mockClient(sfn);

beforeAll(async () => {
  dynamo = await startDynamoLocal();
});
afterAll(() => dynamo.stop());
beforeEach(() => {
  s3Mock.reset();
  sfnMock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  sfnMock.on(StartExecutionCommand).callsFake((input) => ({ executionArn: `${input.stateMachineArn}:${input.name}`, startDate: NOW }));
});

function deps(auditTable = dynamo.tableName('audit')): KickoffDeps {
  return {
    builds: { dynamo: dynamo.doc, tableName: dynamo.tableName('builds') },
    s3,
    sfn,
    artifactsBucket: BUCKET,
    stateMachineArn: STATE_MACHINE_ARN,
    pausedByDefault: false,
    audit: { dynamo: dynamo.doc, tableName: auditTable },
    quotas: testQuotas(dynamo, { auditTable }),
    buildSlotSeconds: 7200,
    now: () => NOW,
  };
}

/** The audit events about one build. */
async function buildEvents(buildId: string) {
  return (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((event) => event.target === `build:${buildId}`);
}

const input = (overrides: Partial<StartBuildInput> = {}): StartBuildInput => ({
  request: 'Build a tool that converts Celsius to Fahrenheit',
  userId: 'user-1',
  orgId: 'org-1',
  orgRole: 'member',
  groups: [],
  ...overrides,
});

async function item(buildId: string) {
  const { Item } = await dynamo.doc.send(
    new GetCommand({ TableName: dynamo.tableName('builds'), Key: { PK: `BUILD#${buildId}`, SK: 'META' } }),
  );
  return Item;
}

async function setStatus(buildId: string, status: string) {
  await dynamo.doc.send(
    new UpdateCommand({
      TableName: dynamo.tableName('builds'),
      Key: { PK: `BUILD#${buildId}`, SK: 'META' },
      UpdateExpression: 'SET #s = :status',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':status': status },
    }),
  );
}

const awsError = <T extends Error>(error: T, status: number): T => Object.assign(error, { $metadata: { httpStatusCode: status } });
const throttled = () =>
  awsError(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: {}, message: 'Rate exceeded' }), 400);
const accessDenied = () =>
  awsError(new SFNServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {}, message: 'denied' }), 400);

describe('startBuild', () => {
  test('writes the spec, creates the pending item, and starts the execution named after the build', async () => {
    const started = await startBuild(deps(), input({ conversationId: 'conv-1', connectionId: 'conn-1' }));

    expect(started.status).toBe('pending');
    expect(started.buildId).toMatch(UUID_PATTERN);
    const { buildId } = started;

    expect(s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
      {
        Bucket: BUCKET,
        Key: `builds/${buildId}/spec.json`,
        Body: JSON.stringify({
          buildId,
          request: 'Build a tool that converts Celsius to Fahrenheit',
          userId: 'user-1',
          orgId: 'org-1',
          conversationId: 'conv-1',
          connectionId: 'conn-1',
          createdAt: NOW.toISOString(),
        }),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      },
    ]);
    expect(await item(buildId)).toEqual({
      PK: `BUILD#${buildId}`,
      SK: 'META',
      GSI1PK: 'USER#user-1',
      GSI1SK: `BUILD#${NOW.toISOString()}`,
      buildId,
      status: 'pending',
      userId: 'user-1',
      orgId: 'org-1',
      request: 'Build a tool that converts Celsius to Fahrenheit',
      requestTruncated: false,
      conversationId: 'conv-1',
      connectionId: 'conn-1',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        stateMachineArn: STATE_MACHINE_ARN,
        name: buildId,
        input: JSON.stringify({ buildId, userId: 'user-1', orgId: 'org-1', connectionId: 'conn-1' }),
      },
    ]);
  });

  test('keeps a preview of a long request on the item and the whole request in the spec', async () => {
    const request = 'x'.repeat(REQUEST_PREVIEW_CHARS + 500);
    const { buildId } = await startBuild(deps(), input({ request }));

    const stored = await item(buildId);
    expect(stored).toMatchObject({ request: 'x'.repeat(REQUEST_PREVIEW_CHARS), requestTruncated: true });
    const spec = JSON.parse(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input.Body as string);
    expect(spec.request).toBe(request);
    const executionInput = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.input as string);
    expect(executionInput).toEqual({ buildId, userId: 'user-1', orgId: 'org-1' });
  });

  test('treats ExecutionAlreadyExists as started', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ $metadata: {}, message: 'exists' }));
    const { buildId, status } = await startBuild(deps(), input());
    expect(status).toBe('pending');
    expect((await item(buildId))?.status).toBe('pending');
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  // Throttling is retried by the SFN client itself; what reaches startBuild has outlasted those retries.
  test.each([
    ['a non-transient error', accessDenied],
    ['a transient error that outlasted the client’s retries', throttled],
  ])('marks the build failed and reports INTERNAL on %s', async (_label, error) => {
    const output = captureOutput();
    sfnMock.on(StartExecutionCommand).rejects(error());
    const response = await respond(() => startBuild(deps(), input()));

    expect(response).toEqual({
      success: false,
      error: { code: 'INTERNAL', message: 'The build pipeline could not be started; the build is marked failed.' },
    });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
    const buildId = sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.name as string;
    expect(await item(buildId)).toMatchObject({
      status: 'failed',
      error: 'The build pipeline could not be started.',
      failedAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    output.restore();
    expect(output.logs()).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'StartExecution failed', buildId }));
  });

  test('counts a failed StartExecution as started when the pipeline already moved the build on', async () => {
    const output = captureOutput();
    sfnMock.on(StartExecutionCommand).callsFake(async (command) => {
      await setStatus(command.name as string, 'running');
      throw accessDenied();
    });
    const { buildId, status } = await startBuild(deps(), input());
    expect(status).toBe('pending');
    expect(await item(buildId)).toMatchObject({ status: 'running' });
    expect(await item(buildId)).not.toHaveProperty('error');
    output.restore();
  });
});

describe('the audit trail', () => {
  test('a started build is recorded once, with its item: build_started by its user, at its creation', async () => {
    const { buildId } = await startBuild(deps(), input({ idempotencyKey: 'audited' }));
    await startBuild(deps(), input({ idempotencyKey: 'audited' }));
    expect(await buildEvents(buildId)).toEqual([
      storedEvent({
        type: 'build_started',
        orgId: 'org-1',
        userId: 'user-1',
        actor: 'user:user-1',
        target: `build:${buildId}`,
        outcome: 'success',
        at: NOW.toISOString(),
      }),
    ]);
  });

  test('a build whose pipeline could not start is recorded as build_failed, with the reason and no text', async () => {
    const output = captureOutput();
    sfnMock.on(StartExecutionCommand).rejects(accessDenied());
    await respond(() => startBuild(deps(), input({ idempotencyKey: 'no-pipeline' })));
    const buildId = buildIdFor('user-1', 'no-pipeline');
    // Both at the kickoff's one clock reading: in type order, not key order.
    const events = (await buildEvents(buildId)).map(({ type, actor, outcome, detail }) => ({ type, actor, outcome, detail }));
    expect(events.sort((a, b) => a.type.localeCompare(b.type))).toEqual([
      { type: 'build_failed', actor: 'service:build-kickoff', outcome: 'failure', detail: { reason: 'pipeline_not_started' } },
      { type: 'build_started', actor: 'user:user-1', outcome: 'success', detail: undefined },
    ]);
    output.restore();
  });

  test('a build is never created unrecorded: when the event cannot be written, no item exists and nothing starts', async () => {
    const response = startBuild(deps('fable-test-no-such-audit-table'), input({ idempotencyKey: 'unrecorded' }));
    await expect(response).rejects.toThrow(/non-existent table|not found/i);
    expect(await item(buildIdFor('user-1', 'unrecorded'))).toBeUndefined();
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('a duplicate kickoff (same idempotency key)', () => {
  test('returns the same build, keeps the first spec, and re-sends the identical StartExecution', async () => {
    const first = await startBuild(deps(), input({ idempotencyKey: 'req-42', connectionId: 'conn-1' }));
    const second = await startBuild(deps(), input({ idempotencyKey: 'req-42', connectionId: 'conn-2', request: 'changed' }));

    expect(second).toEqual(first);
    // A pending build's start is finished again: its spec put is write-once (S3 refuses the repeat), so the first spec stays.
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((put) => [put.Key, put.IfNoneMatch])).toEqual([
      [`builds/${first.buildId}/spec.json`, '*'],
      [`builds/${first.buildId}/spec.json`, '*'],
    ]);
    const starts = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    // Same name and same input: Step Functions answers with the running execution, never a second one.
    expect(starts).toHaveLength(2);
    expect(starts[1]).toEqual(starts[0]);
    expect(JSON.parse(starts[1].input as string).connectionId).toBe('conn-1');
    const builds = await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tableName('builds') }));
    expect(builds.Items?.filter((i) => i.buildId === first.buildId)).toHaveLength(1);
  });

  test('of a build that is already running starts nothing and changes nothing', async () => {
    const { buildId } = await startBuild(deps(), input({ idempotencyKey: 'moved-on' }));
    await setStatus(buildId, 'running');
    sfnMock.resetHistory();
    expect(await startBuild(deps(), input({ idempotencyKey: 'moved-on' }))).toEqual({ buildId, status: 'running' });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect((await item(buildId))?.status).toBe('running');
  });

  test('names different builds for different users with the same key', () => {
    expect(buildIdFor('user-1', 'k')).toBe(buildIdFor('user-1', 'k'));
    expect(buildIdFor('user-1', 'k')).not.toBe(buildIdFor('user-2', 'k'));
    expect(buildIdFor('user-1', 'k')).toMatch(UUID_PATTERN);
  });

  test('accepts a spec already written by a concurrent duplicate', async () => {
    s3Mock.on(PutObjectCommand).rejects(
      awsError(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: {}, message: 'exists' }), 412),
    );
    const { buildId, status } = await startBuild(deps(), input({ idempotencyKey: 'concurrent' }));
    expect(status).toBe('pending');
    expect((await item(buildId))?.status).toBe('pending');
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });
});
