import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as kickoff } from '../../../lambdas/build-kickoff/index';
import { dynamoDocumentClient } from '../../../lambdas/shared/clients/dynamodb';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { quotaEnvironment } from '../../helpers/quotas';
import { MAX_BUILD_REQUEST_CHARS as MAX_REQUEST_CHARS, UUID_PATTERN } from '../../../lambdas/shared/contract';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { TELEMETRY_ENV } from '../../helpers/telemetry';

/** Any response body, as a caller reading JSON sees it. */
const handler = kickoff as (event: unknown) => Promise<any>;
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  Object.assign(process.env, TELEMETRY_ENV);
  process.env.BUILDS_TABLE = dynamo.tableName('builds');
  process.env.ARTIFACTS_BUCKET = 'fable-test-artifacts-123456789012';
  process.env.STATE_MACHINE_ARN = 'arn:aws:states:us-west-2:123456789012:stateMachine:fable-test-build-pipeline';
  process.env.AUDIT_TABLE = dynamo.tableName('audit');
  Object.assign(process.env, quotaEnvironment(dynamo), { BUILD_SLOT_SECONDS: '7200' });
  process.env.BUILDS_PAUSED = 'false';
});
afterAll(async () => {
  dynamoDocumentClient().destroy();
  await dynamo.stop();
});
beforeEach(() => {
  s3Mock.reset().on(PutObjectCommand).resolves({});
  sfnMock.reset().on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

/** The identity the router copies from the connection record. */
const OWNER = { userId: 'user-1', orgId: 'acme' };
const TEAMMATE = { userId: 'user-2', orgId: 'acme', orgRole: 'member' };
const ORG_ADMIN = { userId: 'user-3', orgId: 'acme', orgRole: 'admin' };
const OUTSIDER_ADMIN = { userId: 'user-9', orgId: 'globex', orgRole: 'admin' };

async function buildCount(): Promise<number> {
  const { Items } = await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tableName('builds') }));
  return Items?.length ?? 0;
}

describe('build-kickoff handler', () => {
  test('start answers exactly {success, buildId, status: pending} and status reads the build back', async () => {
    const started = await handler({ action: 'start', payload: { request: 'Make a dice-rolling tool', ...OWNER } });
    expect(Object.keys(started).sort()).toEqual(['buildId', 'status', 'success']);
    expect(started).toEqual({ success: true, buildId: expect.stringMatching(UUID_PATTERN), status: 'pending' });

    const status = await handler({ action: 'status', payload: { buildId: started.buildId, ...OWNER } });
    expect(status).toEqual({
      success: true,
      build: {
        buildId: started.buildId,
        status: 'pending',
        userId: 'user-1',
        orgId: 'acme',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    expect(JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.input as string)).toEqual({
      buildId: started.buildId,
      userId: 'user-1',
      orgId: 'acme',
    });
  });

  test('status answers the owner and an admin of the build\'s org; another member is FORBIDDEN (recorded), another org NOT_FOUND', async () => {
    const { buildId } = await handler({ action: 'start', payload: { request: 'Make a coin-flipping tool', ...OWNER } });
    const status = (caller: object) => handler({ action: 'status', payload: { buildId, ...caller } });
    expect(await status(OWNER)).toMatchObject({ success: true, build: { buildId, userId: 'user-1' } });
    expect(await status(ORG_ADMIN)).toMatchObject({ success: true, build: { buildId, userId: 'user-1' } });
    const before = await auditEvents(dynamo.doc, dynamo.tableName('audit'));
    expect(await status(TEAMMATE)).toEqual({
      success: false,
      error: { code: 'FORBIDDEN', message: 'only the build\'s owner or an admin of its org may do this' },
    });
    // The same answer as for a build that does not exist: another org learns nothing, not even that it exists.
    expect(await status(OUTSIDER_ADMIN)).toEqual({ success: false, error: { code: 'NOT_FOUND', message: `Build ${buildId} not found` } });
    expect(await status({ ...OWNER, orgId: 'globex' })).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    const added = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((event) => !before.some((seen) => seen.SK === event.SK));
    expect(added).toEqual([
      storedEvent({ type: 'forbidden', orgId: 'acme', userId: 'user-2', actor: 'user:user-2', target: `build:${buildId}`, outcome: 'denied', detail: { action: 'build.status' } }),
    ]);
  });

  test('status of an unknown build is NOT_FOUND', async () => {
    const buildId = '6f1c2a9e-0b7d-4c1e-9a3f-2d4e5f6a7b8c';
    expect(await handler({ action: 'status', payload: { buildId, ...OWNER } })).toEqual({
      success: false,
      error: { code: 'NOT_FOUND', message: `Build ${buildId} not found` },
    });
  });

  test.each([
    ['no event', undefined, 'event is required'],
    ['an event that is not an object', 'start', 'event must be an object'],
    ['an unknown action', { action: 'delete', payload: {} }, 'action must be one of start, status, review, cancel'],
    ['no payload', { action: 'start' }, 'payload is required'],
    ['no request', { action: 'start', payload: { ...OWNER } }, 'payload.request is required'],
    ['a start without the caller\'s identity', { action: 'start', payload: { request: 'r' } }, 'payload.userId is required'],
    ['a status without the caller\'s identity', { action: 'status', payload: { buildId: '6f1c2a9e-0b7d-4c1e-9a3f-2d4e5f6a7b8c', userId: 'u' } }, 'payload.orgId is required'],
    ['an org role FABLE does not know', { action: 'status', payload: { buildId: '6f1c2a9e-0b7d-4c1e-9a3f-2d4e5f6a7b8c', ...OWNER, orgRole: 'owner' } }, 'payload.orgRole must be one of member, admin'],
    ['a blank request', { action: 'start', payload: { request: '   ', ...OWNER } }, 'payload.request must not be blank'],
    ['a request that is not text', { action: 'start', payload: { request: 42, ...OWNER } }, 'payload.request must be a string'],
    [
      'a request that is too long',
      { action: 'start', payload: { request: 'x'.repeat(MAX_REQUEST_CHARS + 1), ...OWNER } },
      `payload.request must be at most ${MAX_REQUEST_CHARS} characters`,
    ],
    ['a userId with spaces', { action: 'start', payload: { request: 'r', ...OWNER, userId: 'a b' } }, 'payload.userId must be printable ASCII without spaces'],
    ['an empty orgId', { action: 'start', payload: { request: 'r', ...OWNER, orgId: '' } }, 'payload.orgId must not be empty'],
    ['a connectionId that is not text', { action: 'start', payload: { request: 'r', connectionId: 7, ...OWNER } }, 'payload.connectionId must be a string'],
    ['a status without a buildId', { action: 'status', payload: { ...OWNER } }, 'payload.buildId is required'],
    ['a buildId that is not a UUID', { action: 'status', payload: { buildId: '../etc', ...OWNER } }, 'payload.buildId must be a UUID'],
  ])('rejects %s with BAD_REQUEST and touches nothing', async (_label, event, message) => {
    const before = await buildCount();
    expect(await handler(event)).toEqual({ success: false, error: { code: 'BAD_REQUEST', message } });
    expect(s3Mock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(await buildCount()).toBe(before);
  });

  test('accepts a request of exactly the maximum length', async () => {
    const started = await handler({ action: 'start', payload: { request: 'y'.repeat(MAX_REQUEST_CHARS), ...OWNER } });
    expect(started).toMatchObject({ success: true, status: 'pending' });
  });
});
