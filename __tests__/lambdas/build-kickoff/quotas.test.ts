import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { startBuild, type KickoffDeps } from '../../../lambdas/build-kickoff/start-build';
import { updateBuildStatus } from '../../../lambdas/update-build-status/update-status';
import { isFinalBuildStatus, type QuotaLimits, type RefusalReason, type StartBuildInput } from '../../../lambdas/shared/contract';
import { respond } from '../../../lambdas/shared/responses';
import { auditEvents } from '../../helpers/audit-trail';
import { putOverride, testQuotas } from '../../helpers/quotas';
import { captureOutput } from '../../helpers/telemetry';

const s3 = new S3Client({ region: 'us-west-2' });
const sfn = new SFNClient({ region: 'us-west-2' });
const s3Mock = mockClient(s3);
const sfnMock = mockClient(sfn);
const websocket = new ApiGatewayManagementApiClient({ endpoint: 'https://abc123.execute-api.us-west-2.amazonaws.com/test' });
let dynamo: LocalDynamo;

const SLOT_SECONDS = 7_200;
let clock: Date;
let refusals: RefusalReason[];

beforeAll(async () => {
  dynamo = await startDynamoLocal();
});
afterAll(() => dynamo.stop());
beforeEach(() => {
  s3Mock.reset().on(PutObjectCommand).resolves({});
  sfnMock.reset().on(StartExecutionCommand).callsFake((input) => ({ executionArn: `arn:${input.name}`, startDate: clock }));
  clock = new Date('2026-07-01T10:00:00.000Z');
  refusals = [];
  // Quiet: the handlers' structured log lines go to stdout.
  captureOutput();
});
afterEach(() => jest.restoreAllMocks());

function deps(limits: Partial<QuotaLimits> = {}): KickoffDeps {
  return {
    builds: { dynamo: dynamo.doc, tableName: dynamo.tableName('builds') },
    s3,
    sfn,
    artifactsBucket: 'fable-test-artifacts-123456789012',
    stateMachineArn: 'arn:aws:states:us-west-2:123456789012:stateMachine:fable-test-build-pipeline',
    pausedByDefault: false,
    audit: { dynamo: dynamo.doc, tableName: dynamo.tableName('audit') },
    quotas: testQuotas(dynamo, { limits, refusals }),
    buildSlotSeconds: SLOT_SECONDS,
    now: () => clock,
  };
}

const input = (userId: string, orgId: string, overrides: Partial<StartBuildInput> = {}): StartBuildInput => ({
  request: 'Build a tool that converts Celsius to Fahrenheit',
  userId,
  orgId,
  orgRole: 'member',
  groups: [],
  ...overrides,
});
const start = (d: KickoffDeps, userId: string, orgId: string, overrides: Partial<StartBuildInput> = {}) =>
  respond(() => startBuild(d, input(userId, orgId, overrides)));

const buildsOf = async (orgId: string) =>
  ((await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tableName('builds'), ConsistentRead: true }))).Items ?? []).filter((b) => b.orgId === orgId);
const slots = async (orgId: string) =>
  (
    await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tableName('quotas'), Key: { PK: `ORG#${orgId}`, SK: 'BUILDS#active' }, ConsistentRead: true }),
    )
  ).Item?.active as Record<string, number> | undefined;
const eventsOf = async (orgId: string, type: string) =>
  (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((e) => e.orgId === orgId && e.type === type);

const finish = (buildId: string, status: 'running' | 'failed') =>
  updateBuildStatus(
    {
      builds: { dynamo: dynamo.doc, tableName: dynamo.tableName('builds') },
      sender: { dynamo: dynamo.doc, websocket, connectionsTable: dynamo.tableName('connections') },
      audit: { dynamo: dynamo.doc, tableName: dynamo.tableName('audit') },
      quotas: { dynamo: dynamo.doc, tableName: dynamo.tableName('quotas') },
      artifacts: { s3, bucket: 'fable-test-artifacts-123456789012' },
      now: () => clock,
    },
    { buildId, status, ...(status === 'running' ? { phase: 'core' as const } : {}) },
  );

describe('build-kickoff: concurrent builds per org', () => {
  it('starts exactly concurrentBuildsPerOrg of N parallel starts; the others write nothing and start nothing', async () => {
    const d = deps({ concurrentBuildsPerOrg: 3 });
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => start(d, `user-${i}`, 'org-parallel')));

    const started = responses.filter((r) => r.success);
    const refused = responses.filter((r) => !r.success);
    expect(started).toHaveLength(3);
    expect(refused).toHaveLength(9);
    for (const response of refused) {
      expect(response).toEqual({
        success: false,
        error: { code: 'QUOTA_EXCEEDED', message: 'Your organization already has 3 builds under way; start this one when one of them finishes.' },
      });
    }
    const builds = await buildsOf('org-parallel');
    expect(builds).toHaveLength(3);
    expect(Object.keys((await slots('org-parallel'))!).sort()).toEqual(builds.map((b) => b.buildId).sort());
    // Only started builds wrote a spec or started an execution.
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(3);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(3);
    expect(await eventsOf('org-parallel', 'build_started')).toHaveLength(3);
    const refusalEvents = await eventsOf('org-parallel', 'quota_refused');
    expect(refusalEvents).toHaveLength(9);
    expect(refusalEvents[0]).toMatchObject({ target: 'org:org-parallel', outcome: 'denied', detail: { action: 'build.start', reason: 'org_builds' } });
    expect(refusals).toEqual(Array(9).fill('QUOTA_EXCEEDED'));
  });

  it('gives a slot back when a build reaches a final status, and not before', async () => {
    const d = deps({ concurrentBuildsPerOrg: 2 });
    const first = await startBuild(d, input('u-1', 'org-release'));
    const second = await startBuild(d, input('u-2', 'org-release'));
    expect((await start(d, 'u-3', 'org-release')).success).toBe(false);

    await finish(first.buildId, 'running');
    expect((await start(d, 'u-3', 'org-release')).success).toBe(false);
    // Completing needs a reviewed deploy (update-build-status tests); any final status releases alike.
    await finish(first.buildId, 'failed');
    expect(await slots('org-release')).toEqual({ [second.buildId]: expect.any(Number) });
    const third = await start(d, 'u-3', 'org-release');
    expect(third).toMatchObject({ success: true, status: 'pending' });

    await finish(second.buildId, 'failed');
    expect((await start(d, 'u-4', 'org-release')).success).toBe(true);
    expect((await start(d, 'u-5', 'org-release')).success).toBe(false);
  });

  it('gives the slot back when the pipeline could not be started', async () => {
    const d = deps({ concurrentBuildsPerOrg: 1 });
    sfnMock
      .on(StartExecutionCommand)
      .rejectsOnce(new SFNServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'denied' }));
    expect(await start(d, 'u-1', 'org-unstarted')).toMatchObject({ success: false, error: { code: 'INTERNAL' } });
    expect(await slots('org-unstarted')).toEqual({});
    expect((await start(d, 'u-1', 'org-unstarted')).success).toBe(true);
  });

  it('stops counting a build that never finished once the pipeline timeout has passed', async () => {
    const d = deps({ concurrentBuildsPerOrg: 1 });
    const stuck = await startBuild(d, input('u-1', 'org-stale'));
    const startedAt = clock.getTime();
    clock = new Date(startedAt + SLOT_SECONDS * 1000 - 1_000);
    expect((await start(d, 'u-2', 'org-stale')).success).toBe(false);
    clock = new Date(startedAt + SLOT_SECONDS * 1000);
    const next = await start(d, 'u-2', 'org-stale');
    expect(next.success).toBe(true);
    expect(Object.keys((await slots('org-stale'))!)).toEqual([(next as { buildId: string }).buildId]);
    // The stuck build's own late final status changes nothing in the slots.
    await finish(stuck.buildId, 'failed');
    expect(Object.keys((await slots('org-stale'))!)).toEqual([(next as { buildId: string }).buildId]);
  });

  it("follows an operator's override of the org's limit", async () => {
    const d = deps({ concurrentBuildsPerOrg: 1 });
    await startBuild(d, input('u-1', 'org-lifted'));
    expect((await start(d, 'u-2', 'org-lifted')).success).toBe(false);
    await putOverride(dynamo, 'ORG#org-lifted', { concurrentBuildsPerOrg: 2 });
    expect((await start(d, 'u-2', 'org-lifted')).success).toBe(true);
  });
});

describe('build-kickoff: builds per user per day', () => {
  it('refuses the build past buildsPerUserPerDay with resetsAt, and allows it again on the next UTC day', async () => {
    const d = deps({ buildsPerUserPerDay: 2 });
    expect((await start(d, 'daily', 'org-daily')).success).toBe(true);
    expect((await start(d, 'daily', 'org-daily')).success).toBe(true);
    clock = new Date('2026-07-01T23:59:59.999Z');
    expect(await start(d, 'daily', 'org-daily')).toEqual({
      success: false,
      error: {
        code: 'QUOTA_EXCEEDED',
        message: "You have started today's 2 builds; you can start another at 2026-07-02T00:00:00.000Z.",
        resetsAt: '2026-07-02T00:00:00.000Z',
      },
    });
    const [event] = await eventsOf('org-daily', 'quota_refused');
    expect(event).toMatchObject({ userId: 'daily', target: 'user:daily', detail: { action: 'build.start', reason: 'user_builds' } });
    expect(await buildsOf('org-daily')).toHaveLength(2);

    clock = new Date('2026-07-02T00:00:00.000Z');
    expect((await start(d, 'daily', 'org-daily')).success).toBe(true);
  });

  it('holds under parallel starts of one user', async () => {
    const d = deps({ buildsPerUserPerDay: 4 });
    const responses = await Promise.all(Array.from({ length: 10 }, () => start(d, 'eager', 'org-eager')));
    expect(responses.filter((r) => r.success)).toHaveLength(4);
    expect(await buildsOf('org-eager')).toHaveLength(4);
  });

  it('claims nothing again for a repeated kickoff of the same request', async () => {
    const d = deps({ buildsPerUserPerDay: 1, concurrentBuildsPerOrg: 1 });
    const first = await start(d, 'repeat', 'org-repeat', { idempotencyKey: 'req-1' });
    const again = await start(d, 'repeat', 'org-repeat', { idempotencyKey: 'req-1' });
    expect(again).toEqual(first);
    expect(Object.keys((await slots('org-repeat'))!)).toHaveLength(1);
    expect(await eventsOf('org-repeat', 'quota_refused')).toEqual([]);
  });
});

describe('isFinalBuildStatus', () => {
  it('is true for the statuses a build ends in, and false while it is under way', () => {
    for (const status of ['completed', 'failed', 'rejected', 'cancelled']) expect(isFinalBuildStatus(status)).toBe(true);
    for (const status of ['pending', 'running', 'awaiting_approval', 'deploying']) expect(isFinalBuildStatus(status)).toBe(false);
  });
});
