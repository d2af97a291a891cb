import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as kickoff } from '../../../lambdas/build-kickoff/index';
import { dynamoDocumentClient } from '../../../lambdas/shared/clients/dynamodb';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { MAX_BUILD_REQUEST_CHARS as MAX_REQUEST_CHARS, UUID_PATTERN } from '../../../lambdas/shared/contract';

/** Any response body, as a caller reading JSON sees it. */
const handler = kickoff as (event: unknown) => Promise<any>;
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  process.env.BUILDS_TABLE = dynamo.tableName('builds');
  process.env.ARTIFACTS_BUCKET = 'fable-test-artifacts-123456789012';
  process.env.STATE_MACHINE_ARN = 'arn:aws:states:us-west-2:123456789012:stateMachine:fable-test-build-pipeline';
  process.env.AUDIT_TABLE = dynamo.tableName('audit');
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

async function buildCount(): Promise<number> {
  const { Items } = await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tableName('builds') }));
  return Items?.length ?? 0;
}

describe('build-kickoff handler', () => {
  test('start answers exactly {success, buildId, status: pending} and status reads the build back', async () => {
    const started = await handler({ action: 'start', payload: { request: 'Make a dice-rolling tool' } });
    expect(Object.keys(started).sort()).toEqual(['buildId', 'status', 'success']);
    expect(started).toEqual({ success: true, buildId: expect.stringMatching(UUID_PATTERN), status: 'pending' });

    const status = await handler({ action: 'status', payload: { buildId: started.buildId } });
    expect(status).toEqual({
      success: true,
      build: {
        buildId: started.buildId,
        status: 'pending',
        userId: 'anonymous',
        orgId: 'default',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    });
    expect(JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.input as string)).toEqual({
      buildId: started.buildId,
      userId: 'anonymous',
      orgId: 'default',
    });
  });

  test('status of an unknown build is NOT_FOUND', async () => {
    const buildId = '6f1c2a9e-0b7d-4c1e-9a3f-2d4e5f6a7b8c';
    expect(await handler({ action: 'status', payload: { buildId } })).toEqual({
      success: false,
      error: { code: 'NOT_FOUND', message: `Build ${buildId} not found` },
    });
  });

  test.each([
    ['no event', undefined, 'event is required'],
    ['an event that is not an object', 'start', 'event must be an object'],
    ['an unknown action', { action: 'delete', payload: {} }, 'action must be one of start, status, review, cancel'],
    ['no payload', { action: 'start' }, 'payload is required'],
    ['no request', { action: 'start', payload: {} }, 'payload.request is required'],
    ['a blank request', { action: 'start', payload: { request: '   ' } }, 'payload.request must not be blank'],
    ['a request that is not text', { action: 'start', payload: { request: 42 } }, 'payload.request must be a string'],
    [
      'a request that is too long',
      { action: 'start', payload: { request: 'x'.repeat(MAX_REQUEST_CHARS + 1) } },
      `payload.request must be at most ${MAX_REQUEST_CHARS} characters`,
    ],
    ['a userId with spaces', { action: 'start', payload: { request: 'r', userId: 'a b' } }, 'payload.userId must be printable ASCII without spaces'],
    ['an empty orgId', { action: 'start', payload: { request: 'r', orgId: '' } }, 'payload.orgId must not be empty'],
    ['a connectionId that is not text', { action: 'start', payload: { request: 'r', connectionId: 7 } }, 'payload.connectionId must be a string'],
    ['a status without a buildId', { action: 'status', payload: {} }, 'payload.buildId is required'],
    ['a buildId that is not a UUID', { action: 'status', payload: { buildId: '../etc' } }, 'payload.buildId must be a UUID'],
  ])('rejects %s with BAD_REQUEST and touches nothing', async (_label, event, message) => {
    const before = await buildCount();
    expect(await handler(event)).toEqual({ success: false, error: { code: 'BAD_REQUEST', message } });
    expect(s3Mock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(await buildCount()).toBe(before);
  });

  test('accepts a request of exactly the maximum length', async () => {
    const started = await handler({ action: 'start', payload: { request: 'y'.repeat(MAX_REQUEST_CHARS) } });
    expect(started).toMatchObject({ success: true, status: 'pending' });
  });
});
