/**
 * build-kickoff's review, cancel and paused switch on DynamoDB Local; Step Functions (no local
 * engine for the callbacks) is aws-sdk-client-mock, asserting the exact commands sent.
 */
import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { reviewBuild } from '../../../lambdas/build-kickoff/review';
import { cancelBuild } from '../../../lambdas/build-kickoff/cancel';
import { startBuild, type KickoffDeps } from '../../../lambdas/build-kickoff/start-build';
import { PAUSED_MESSAGE } from '../../../lambdas/build-kickoff/paused';
import { buildKickoffEvent, type CallerIdentity, type BuildStatus } from '../../../lambdas/shared/contract';
import { respond } from '../../../lambdas/shared/responses';
import { parseInput } from '../../../lambdas/shared/validation';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { testQuotas } from '../../helpers/quotas';
import { captureOutput, metricValues, type CapturedOutput } from '../../helpers/telemetry';

const STATE_MACHINE_ARN = 'arn:aws:states:us-west-2:123456789012:stateMachine:fable-test-build-pipeline';
const NOW = new Date('2026-04-01T12:00:00.000Z');
const SHA = 'c'.repeat(64);
const TOOL = { toolName: 'dice', s3Key: `tools/dice/${SHA}.zip`, schema: { name: 'dice', description: 'Rolls dice', inputSchema: { type: 'object' } }, sha256: SHA };

let dynamo: LocalDynamo;
const sfn = new SFNClient({ region: 'us-west-2' });
const sfnMock = mockClient(sfn);

beforeAll(async () => {
  dynamo = await startDynamoLocal();
});
afterAll(() => dynamo.stop());
beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
  sfnMock.on(StopExecutionCommand).resolves({ stopDate: NOW });
});

const deps = (overrides: Partial<KickoffDeps> = {}): KickoffDeps => ({
  builds: { dynamo: dynamo.doc, tableName: dynamo.tableName('builds') },
  s3: new S3Client({ region: 'us-west-2' }),
  sfn,
  artifactsBucket: 'fable-test-artifacts-123456789012',
  stateMachineArn: STATE_MACHINE_ARN,
  pausedByDefault: false,
  audit: { dynamo: dynamo.doc, tableName: dynamo.tableName('audit') },
  quotas: testQuotas(dynamo),
  buildSlotSeconds: 7_200,
  now: () => NOW,
  ...overrides,
});

const OWNER: CallerIdentity = { userId: 'owner', orgId: 'org-1', orgRole: 'member', groups: [] };
const ORG_ADMIN: CallerIdentity = { userId: 'boss', orgId: 'org-1', orgRole: 'admin', groups: [] };
const STRANGER: CallerIdentity = { userId: 'stranger', orgId: 'org-1', orgRole: 'member', groups: [] };
const OTHER_ORG_ADMIN: CallerIdentity = { userId: 'eve', orgId: 'org-2', orgRole: 'admin', groups: [] };

/** What the handler hands the actions (the event checked by the contract). */
const request = (action: 'review' | 'cancel', payload: Record<string, unknown>) => parseInput(buildKickoffEvent, { action, payload }).payload as never;
const review = (payload: Record<string, unknown>, overrides?: Partial<KickoffDeps>) => respond(() => reviewBuild(deps(overrides), request('review', payload)));
const cancel = (payload: Record<string, unknown>, overrides?: Partial<KickoffDeps>) => respond(() => cancelBuild(deps(overrides), request('cancel', payload)));

const key = (buildId: string) => ({ PK: `BUILD#${buildId}`, SK: 'META' });
const read = async (buildId: string) => (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('builds'), Key: key(buildId), ConsistentRead: true }))).Item;
const eventsOf = async (buildId: string) => (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((event) => event.target === `build:${buildId}`);

async function build(status: BuildStatus, extra: Record<string, unknown> = {}): Promise<string> {
  const buildId = randomUUID();
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tableName('builds'),
      Item: { ...key(buildId), buildId, status, userId: 'owner', orgId: 'org-1', createdAt: 't', updatedAt: 't', ...extra },
    }),
  );
  return buildId;
}
const awaiting = () =>
  build('awaiting_approval', { phase: 'oi', review: { tools: [TOOL], summary: 'Dice', recordedAt: 't' }, approvalToken: `token-${randomUUID()}` });

describe('review', () => {
  test('the owner approves: the decision and build_approved are recorded, the task gets the recorded tools, the token is dropped', async () => {
    const buildId = await awaiting();
    const token = (await read(buildId))?.approvalToken;

    expect(await review({ buildId, decision: 'approve', caller: OWNER })).toEqual({ success: true, buildId, status: 'awaiting_approval' });

    const sent = sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input);
    expect(sent.map(({ taskToken, output }) => ({ taskToken, output: JSON.parse(output!) }))).toEqual([{ taskToken: token, output: { tools: [TOOL], approvedBy: 'user:owner' } }]);
    const item = await read(buildId);
    expect(item).toMatchObject({ decision: { decision: 'approve', by: 'user:owner', at: NOW.toISOString() }, approvedTools: { dice: SHA } });
    expect(item).not.toHaveProperty('approvalToken');
    expect(await eventsOf(buildId)).toEqual([
      storedEvent({ type: 'build_approved', orgId: 'org-1', userId: 'owner', actor: 'user:owner', target: `build:${buildId}`, outcome: 'success', at: NOW.toISOString() }),
    ]);
  });

  test('an admin of its org rejects: the build is rejected with the reason, build_rejected recorded, the task failed', async () => {
    const buildId = await awaiting();
    const token = (await read(buildId))?.approvalToken;

    expect(await review({ buildId, decision: 'reject', reason: 'It asks for too much', caller: ORG_ADMIN })).toEqual({ success: true, buildId, status: 'rejected' });

    expect(sfnMock.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: token, error: 'FABLE.BuildRejected', cause: 'The build was rejected by its reviewer.' },
    ]);
    const item = await read(buildId);
    expect(item).toMatchObject({ status: 'rejected', rejectedAt: NOW.toISOString(), error: 'Rejected by its reviewer: It asks for too much' });
    expect(item).not.toHaveProperty('approvalToken');
    expect((await eventsOf(buildId)).map((event) => [event.type, event.actor])).toEqual([['build_rejected', 'user:boss']]);
  });

  test('a member who does not own it is FORBIDDEN, recorded as forbidden, and nothing changes', async () => {
    const caller = STRANGER;
    const buildId = await awaiting();
    const before = await read(buildId);
    expect(await review({ buildId, decision: 'approve', caller })).toEqual({
      success: false,
      error: { code: 'FORBIDDEN', message: 'only the build\'s owner or an admin of its org may do this' },
    });
    expect(await read(buildId)).toEqual(before);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(await eventsOf(buildId)).toEqual([
      storedEvent({ type: 'forbidden', orgId: caller.orgId, userId: caller.userId, actor: `user:${caller.userId}`, target: `build:${buildId}`, outcome: 'denied', detail: { action: 'build.review' } }),
    ]);
  });

  test('an admin of another org gets NOT_FOUND, as for a build that does not exist, and nothing changes', async () => {
    const buildId = await awaiting();
    const before = await read(buildId);
    expect(await review({ buildId, decision: 'approve', caller: OTHER_ORG_ADMIN })).toEqual({ success: false, error: { code: 'NOT_FOUND', message: `Build ${buildId} not found` } });
    expect(await cancel({ buildId, caller: OTHER_ORG_ADMIN })).toEqual({ success: false, error: { code: 'NOT_FOUND', message: `Build ${buildId} not found` } });
    expect(await read(buildId)).toEqual(before);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  test('an unknown build is NOT_FOUND', async () => {
    const buildId = randomUUID();
    expect(await review({ buildId, decision: 'approve', caller: OWNER })).toEqual({ success: false, error: { code: 'NOT_FOUND', message: `Build ${buildId} not found` } });
  });

  test('a build that is not waiting for a review is a CONFLICT', async () => {
    const buildId = await build('running', { phase: 'core' });
    expect(await review({ buildId, decision: 'approve', caller: OWNER })).toEqual({
      success: false,
      error: { code: 'CONFLICT', message: `Build ${buildId} is running; it is not waiting for a review` },
    });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  test('a retried approval whose callback failed delivers it once more; the opposite decision is a CONFLICT', async () => {
    const buildId = await awaiting();
    const throttled = new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
    sfnMock.on(SendTaskSuccessCommand).rejectsOnce(throttled).resolves({});

    await expect(review({ buildId, decision: 'approve', caller: OWNER })).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(await read(buildId)).toMatchObject({ decision: { decision: 'approve' }, approvalToken: expect.any(String) });

    expect(await review({ buildId, decision: 'reject', caller: OWNER })).toMatchObject({ success: false, error: { code: 'CONFLICT' } });
    expect(await review({ buildId, decision: 'approve', caller: OWNER })).toEqual({ success: true, buildId, status: 'awaiting_approval' });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(2);
    expect(await read(buildId)).not.toHaveProperty('approvalToken');
    // One decision, one event.
    expect((await eventsOf(buildId)).map((event) => event.type)).toEqual(['build_approved']);
  });

  test('a token whose task no longer waits (the approval timed out) is a CONFLICT and is dropped', async () => {
    const buildId = await awaiting();
    sfnMock.on(SendTaskSuccessCommand).rejects(new SFNServiceException({ name: 'TaskTimedOut', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'timed out' }));
    expect(await review({ buildId, decision: 'approve', caller: OWNER })).toEqual({
      success: false,
      error: { code: 'CONFLICT', message: `Build ${buildId} no longer waits for a review` },
    });
    expect(await read(buildId)).not.toHaveProperty('approvalToken');
  });
});

describe('the org\'s build slot', () => {
  const SLOTS = (orgId: string) => ({ PK: `ORG#${orgId}`, SK: 'BUILDS#active' });
  const holdSlot = (buildId: string) =>
    dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName('quotas'), Item: { ...SLOTS('org-1'), active: { [buildId]: 4_000_000_000, other: 4_000_000_000 } } }));
  const slots = async () =>
    (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('quotas'), Key: SLOTS('org-1'), ConsistentRead: true }))).Item?.active;

  test('a rejected build gives its slot back in the transaction that rejects it', async () => {
    const buildId = await awaiting();
    await holdSlot(buildId);
    expect(await review({ buildId, decision: 'reject', caller: OWNER })).toMatchObject({ success: true, status: 'rejected' });
    expect(await slots()).toEqual({ other: 4_000_000_000 });
  });

  test('an approved build keeps its slot (it is still being deployed)', async () => {
    const buildId = await awaiting();
    await holdSlot(buildId);
    expect(await review({ buildId, decision: 'approve', caller: OWNER })).toMatchObject({ success: true });
    expect(await slots()).toEqual({ [buildId]: 4_000_000_000, other: 4_000_000_000 });
  });

  test('a cancelled build gives its slot back in the transaction that cancels it', async () => {
    const buildId = await build('running', { phase: 'core' });
    await holdSlot(buildId);
    expect(await cancel({ buildId, caller: OWNER })).toMatchObject({ success: true, status: 'cancelled' });
    expect(await slots()).toEqual({ other: 4_000_000_000 });
  });
});

describe('builds a person ends are counted once in BuildsFinished and BuildDuration', () => {
  const counted = (output: CapturedOutput, name: string) => metricValues(output.metrics(), name).map(({ value, record }) => [value, record.Status]);

  test('a rejection and a cancel each publish their final status; a repeated cancel publishes nothing more', async () => {
    const rejected = await awaiting();
    const cancelled = await build('running', { phase: 'oi', createdAt: new Date(NOW.getTime() - 90_000).toISOString() });
    const output = captureOutput();
    await review({ buildId: rejected, decision: 'reject', caller: OWNER });
    await cancel({ buildId: cancelled, caller: OWNER });
    await cancel({ buildId: cancelled, caller: OWNER });
    output.restore();
    expect(counted(output, 'BuildsFinished')).toEqual([
      [1, 'rejected'],
      [1, 'cancelled'],
    ]);
    expect(counted(output, 'BuildDuration')).toEqual([[90, 'cancelled']]);
  });
});

describe('cancel', () => {
  const executionArn = (buildId: string) => `arn:aws:states:us-west-2:123456789012:execution:fable-test-build-pipeline:${buildId}`;

  test.each([
    ['pending', {}],
    ['running', { phase: 'core' }],
    ['running', { phase: 'oi' }],
    ['awaiting_approval', { phase: 'oi', approvalToken: 'waiting-token' }],
    ['deploying', { phase: 'deploy' }],
  ] as const)('a %s build %o is cancelled: status, build_cancelled and the execution stopped', async (status, extra) => {
    const buildId = await build(status, extra);
    expect(await cancel({ buildId, caller: OWNER })).toEqual({ success: true, buildId, status: 'cancelled' });

    const item = await read(buildId);
    expect(item).toMatchObject({ status: 'cancelled', cancelledAt: NOW.toISOString(), error: 'Cancelled by its owner' });
    expect(item).not.toHaveProperty('approvalToken');
    expect(sfnMock.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: executionArn(buildId), error: 'FABLE.BuildCancelled', cause: 'The build was cancelled.' },
    ]);
    expect(await eventsOf(buildId)).toEqual([
      storedEvent({
        type: 'build_cancelled',
        orgId: 'org-1',
        userId: 'owner',
        actor: 'user:owner',
        target: `build:${buildId}`,
        outcome: 'success',
        detail: { status, ...('phase' in extra ? { phase: extra.phase } : {}) },
        at: NOW.toISOString(),
      }),
    ]);
  });

  test('is idempotent: cancelling again stops the execution again (in case that failed) and records nothing more', async () => {
    const buildId = await build('running', { phase: 'core' });
    sfnMock.on(StopExecutionCommand).rejectsOnce(new SFNServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'down' }));
    await expect(cancel({ buildId, caller: OWNER })).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect((await read(buildId))?.status).toBe('cancelled');

    expect(await cancel({ buildId, caller: OWNER })).toEqual({ success: true, buildId, status: 'cancelled' });
    expect(sfnMock.commandCalls(StopExecutionCommand)).toHaveLength(2);
    expect((await eventsOf(buildId)).map((event) => event.type)).toEqual(['build_cancelled']);
  });

  test('a finished build stays as it is and nothing is stopped', async () => {
    const buildId = await build('completed', { phase: 'deploy' });
    expect(await cancel({ buildId, caller: OWNER })).toEqual({ success: true, buildId, status: 'completed' });
    expect(sfnMock.calls()).toHaveLength(0);
    expect(await eventsOf(buildId)).toEqual([]);
  });

  test('an execution that never started needs no stopping', async () => {
    const buildId = await build('pending');
    sfnMock.on(StopExecutionCommand).rejects(new SFNServiceException({ name: 'ExecutionDoesNotExist', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'no' }));
    expect(await cancel({ buildId, caller: OWNER })).toEqual({ success: true, buildId, status: 'cancelled' });
  });

  test('an operator (no caller: a direct invoke) may cancel any build', async () => {
    const buildId = await build('running', { phase: 'oi' });
    expect(await cancel({ buildId })).toEqual({ success: true, buildId, status: 'cancelled' });
    expect(await read(buildId)).toMatchObject({ error: 'Cancelled by an operator' });
    expect((await eventsOf(buildId)).map((event) => event.actor)).toEqual(['service:operator']);
  });

  test('someone else is FORBIDDEN and the build keeps running', async () => {
    const buildId = await build('running', { phase: 'oi' });
    expect(await cancel({ buildId, caller: STRANGER })).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
    expect((await read(buildId))?.status).toBe('running');
    expect(sfnMock.calls()).toHaveLength(0);
    expect((await eventsOf(buildId)).map((event) => [event.type, event.detail])).toEqual([['forbidden', { action: 'build.cancel' }]]);
  });
});

describe('the paused switch', () => {
  const SETTINGS_KEY = { PK: 'SETTINGS#builds', SK: 'META' };
  const setSettings = (item: Record<string, unknown> | undefined) =>
    item
      ? dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName('builds'), Item: { ...SETTINGS_KEY, ...item } }))
      : dynamo.doc.send(new DeleteCommand({ TableName: dynamo.tableName('builds'), Key: SETTINGS_KEY }));
  const start = (overrides?: Partial<KickoffDeps>) => respond(() => startBuild(deps(overrides), { request: 'Build a dice tool', ...OWNER }));
  afterEach(() => setSettings(undefined));

  test('the stage paused: start is UNAVAILABLE with a clear message, and nothing is written or started', async () => {
    expect(await start({ pausedByDefault: true })).toEqual({ success: false, error: { code: 'UNAVAILABLE', message: PAUSED_MESSAGE } });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test("the operator's settings item pauses a running stage, with their message", async () => {
    await setSettings({ paused: true, message: 'Builds are paused for maintenance until 14:00 UTC.' });
    expect(await start()).toEqual({ success: false, error: { code: 'UNAVAILABLE', message: 'Builds are paused for maintenance until 14:00 UTC.' } });
  });

  test("the operator's settings item resumes a paused stage", async () => {
    await setSettings({ paused: false });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: NOW });
    const s3 = new S3Client({ region: 'us-west-2' });
    mockClient(s3).resolves({});
    expect(await start({ pausedByDefault: true, s3 })).toMatchObject({ success: true, status: 'pending' });
  });
});
