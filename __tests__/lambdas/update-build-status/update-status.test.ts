import { createHash, randomUUID } from 'node:crypto';
import {
  ApiGatewayManagementApiClient,
  ApiGatewayManagementApiServiceException,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { recordBuildArtifacts, updateBuildStatus, type UpdateStatusDeps } from '../../../lambdas/update-build-status/update-status';
import { recordArtifactsEvent } from '../../../lambdas/shared/contract';
import { MAX_ERROR_CHARS, MAX_RESULT_BYTES, statusUpdate } from '../../../lambdas/update-build-status/status-update';
import { parseInput } from '../../../lambdas/shared/validation';
import { respond } from '../../../lambdas/shared/responses';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { captureOutput } from '../../helpers/telemetry';
import { FakeS3 } from '../../helpers/fake-s3';
import { S3Client } from '@aws-sdk/client-s3';

let dynamo: LocalDynamo;
const BUCKET = 'fable-test-artifacts-123456789012';
const s3 = new S3Client({ region: 'us-west-2' });
const bucket = new FakeS3(BUCKET, mockClient(s3));
const websocket = new ApiGatewayManagementApiClient({ region: 'us-west-2', endpoint: 'https://example.com/test' });
const websocketMock = mockClient(websocket);
let clock: Date;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
});
afterAll(() => dynamo.stop());
beforeEach(() => {
  websocketMock.reset().on(PostToConnectionCommand).resolves({});
  clock = new Date('2026-03-01T10:00:00.000Z');
});

const deps = (overrides: Partial<UpdateStatusDeps> = {}): UpdateStatusDeps => ({
  builds: { dynamo: dynamo.doc, tableName: dynamo.tableName('builds') },
  sender: { dynamo: dynamo.doc, websocket, connectionsTable: dynamo.tableName('connections') },
  audit: { dynamo: dynamo.doc, tableName: dynamo.tableName('audit') },
  quotas: { dynamo: dynamo.doc, tableName: dynamo.tableName('quotas') },
  artifacts: { s3: bucket.mock as unknown as S3Client, bucket: BUCKET },
  now: () => clock,
  ...overrides,
});
const update = (event: unknown, overrides: Partial<UpdateStatusDeps> = {}) =>
  respond(async () => updateBuildStatus(deps(overrides), parseInput(statusUpdate, event)));
const key = (buildId: string) => ({ PK: `BUILD#${buildId}`, SK: 'META' });
const read = async (buildId: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('builds'), Key: key(buildId) }))).Item;

async function pendingBuild(userId = `user-${randomUUID()}`): Promise<string> {
  const buildId = randomUUID();
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tableName('builds'),
      Item: {
        ...key(buildId),
        buildId,
        status: 'pending',
        userId,
        orgId: 'default',
        createdAt: '2026-03-01T09:59:00.000Z',
        updatedAt: '2026-03-01T09:59:00.000Z',
      },
    }),
  );
  return buildId;
}

async function connect(connectionId: string, userId: string) {
  await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName('connections'), Item: { connectionId, userId, orgId: 'default' } }));
}

/** What RecordArtifacts leaves on a build once the OI phase succeeded (a review to approve or deploy). */
async function recordReview(buildId: string): Promise<void> {
  await dynamo.doc.send(
    new UpdateCommand({
      TableName: dynamo.tableName('builds'),
      Key: key(buildId),
      UpdateExpression: 'SET review = :review',
      ExpressionAttributeValues: { ':review': { tools: [], summary: 'Nothing yet', recordedAt: '2026-03-01T10:40:00.000Z' } },
    }),
  );
}

const at = (iso: string) => {
  clock = new Date(iso);
};

describe('recording a build moving through its phases', () => {
  test('keeps the first startedAt, the latest phase, and stamps completion with the result', async () => {
    const buildId = await pendingBuild();
    at('2026-03-01T10:00:00.000Z');
    expect(await update({ buildId, status: 'running', phase: 'core' })).toMatchObject({ success: true });
    at('2026-03-01T10:20:00.000Z');
    await update({ buildId, status: 'running', phase: 'oi' });
    await recordReview(buildId);
    at('2026-03-01T10:50:00.000Z');
    await update({ buildId, status: 'deploying', phase: 'deploy' });
    at('2026-03-01T10:51:00.000Z');
    const tools = [{ toolName: 'dice', functionName: 'fable-test-tool-dice', version: 1 }];
    expect(await update({ buildId, status: 'completed', result: { tools } })).toEqual({
      success: true,
      build: { buildId, status: 'completed', phase: 'deploy' },
      notified: { sent: 0, gone: 0, failed: 0 },
    });

    expect(await read(buildId)).toMatchObject({
      status: 'completed',
      phase: 'deploy',
      startedAt: '2026-03-01T10:00:00.000Z',
      completedAt: '2026-03-01T10:51:00.000Z',
      updatedAt: '2026-03-01T10:51:00.000Z',
      result: { tools },
    });
  });

  test('records a Step Functions error as one line, keeping only the message of a Lambda cause', async () => {
    const buildId = await pendingBuild();
    await update({ buildId, status: 'running', phase: 'core' });
    at('2026-03-01T10:05:00.000Z');
    const cause = JSON.stringify({ errorType: 'Error', errorMessage: 'container exited 1', trace: ['at x (/var/task/index.mjs:1:1)'] });
    expect(await update({ buildId, status: 'failed', error: { Error: 'States.TaskFailed', Cause: cause } })).toMatchObject({
      success: true,
      build: { buildId, status: 'failed', phase: 'core' },
    });
    expect(await read(buildId)).toMatchObject({
      status: 'failed',
      phase: 'core',
      error: 'States.TaskFailed: container exited 1',
      failedAt: '2026-03-01T10:05:00.000Z',
    });
  });

  test('a pending build can fail before it ever ran', async () => {
    const buildId = await pendingBuild();
    await update({ buildId, status: 'failed', error: 'could not start' });
    const item = await read(buildId);
    expect(item).toMatchObject({ status: 'failed', error: 'could not start' });
    expect(item).not.toHaveProperty('startedAt');
  });

  test('caps an oversized result and error instead of failing the update', async () => {
    const buildId = await pendingBuild();
    await update({ buildId, status: 'running', phase: 'core' });
    const result = { log: 'r'.repeat(MAX_RESULT_BYTES) };
    expect(await update({ buildId, status: 'failed', result, error: 'e'.repeat(MAX_ERROR_CHARS + 10) })).toMatchObject({ success: true });
    const item = await read(buildId);
    expect(item?.result).toEqual({ truncated: true, sizeBytes: Buffer.byteLength(JSON.stringify(result)) });
    expect(item?.error).toHaveLength(MAX_ERROR_CHARS);
    expect(item?.error.endsWith('…')).toBe(true);
  });

  test('a repeated update is a CONFLICT and leaves the item as it was', async () => {
    const buildId = await pendingBuild();
    await update({ buildId, status: 'running', phase: 'core' });
    const before = await read(buildId);
    at('2026-03-01T11:00:00.000Z');
    expect(await update({ buildId, status: 'running', phase: 'core' })).toEqual({
      success: false,
      error: { code: 'CONFLICT', message: `Build ${buildId} is running (core); it cannot move to running (core)` },
    });
    expect(await read(buildId)).toEqual(before);
  });

  test('an unknown build is NOT_FOUND and is not created', async () => {
    const buildId = randomUUID();
    expect(await update({ buildId, status: 'failed', error: 'x' })).toEqual({
      success: false,
      error: { code: 'NOT_FOUND', message: `Build ${buildId} not found` },
    });
    expect(await read(buildId)).toBeUndefined();
  });

  test('a transient DynamoDB error is thrown, so Step Functions retries the update', async () => {
    const throttled = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-west-2' }));
    mockClient(throttled)
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const buildId = await pendingBuild();
    await expect(
      respond(() =>
        updateBuildStatus(deps({ builds: { dynamo: throttled, tableName: dynamo.tableName('builds') } }), {
          buildId,
          status: 'running',
          phase: 'core',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect((await read(buildId))?.status).toBe('pending');
  });
});

describe('the audit trail', () => {
  const eventsOf = async (buildId: string) =>
    (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((event) => event.target === `build:${buildId}`);

  test('a completed build is recorded once as build_completed by the pipeline; running steps are not events', async () => {
    const buildId = await pendingBuild('owner-1');
    await update({ buildId, status: 'running', phase: 'core' });
    await recordReview(buildId);
    await update({ buildId, status: 'deploying', phase: 'deploy' });
    at('2026-03-01T10:51:00.000Z');
    await update({ buildId, status: 'completed', result: { tools: [] } });
    // The pipeline's retry of a step that succeeded is a CONFLICT and records nothing more.
    expect(await update({ buildId, status: 'completed' })).toMatchObject({ success: false, error: { code: 'CONFLICT' } });
    expect(await eventsOf(buildId)).toEqual([
      storedEvent({
        type: 'build_completed',
        orgId: 'default',
        userId: 'owner-1',
        actor: 'service:build-pipeline',
        target: `build:${buildId}`,
        outcome: 'success',
        detail: { phase: 'deploy' },
        at: '2026-03-01T10:51:00.000Z',
      }),
    ]);
  });

  test('a failed build is recorded as build_failed with its phase, never with its error text', async () => {
    const buildId = await pendingBuild('owner-2');
    await update({ buildId, status: 'running', phase: 'oi' });
    await update({ buildId, status: 'failed', error: 'secret-looking output sk-123 from the agent' });
    const [event] = await eventsOf(buildId);
    expect(event).toMatchObject({ type: 'build_failed', outcome: 'failure', detail: { phase: 'oi' } });
    expect(JSON.stringify(event)).not.toContain('sk-123');
  });

  test('a final status throttled past the client retries is neither stored nor recorded; the pipeline retry records it once', async () => {
    const buildId = await pendingBuild('owner-3');
    await update({ buildId, status: 'running', phase: 'oi' });
    await recordReview(buildId);
    await update({ buildId, status: 'deploying', phase: 'deploy' });
    const send = dynamo.doc.send.bind(dynamo.doc);
    const throttled = jest.spyOn(dynamo.doc, 'send').mockImplementation(((command: unknown) =>
      command instanceof TransactWriteCommand
        ? Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }))
        : send(command as never)) as never);
    try {
      await expect(update({ buildId, status: 'completed' })).rejects.toMatchObject({ name: 'ThrottlingException' });
    } finally {
      throttled.mockRestore();
    }
    expect(await read(buildId)).toMatchObject({ status: 'deploying' });
    expect(await eventsOf(buildId)).toEqual([]);

    expect(await update({ buildId, status: 'completed' })).toMatchObject({ success: true });
    expect((await eventsOf(buildId)).map((event) => event.type)).toEqual(['build_completed']);
  });
});

describe('notifying the user', () => {
  const frameSent = (connectionId: string) =>
    websocketMock
      .commandCalls(PostToConnectionCommand)
      .filter((c) => c.args[0].input.ConnectionId === connectionId)
      .map((c) => JSON.parse(Buffer.from(c.args[0].input.Data as Uint8Array).toString('utf8')));

  test('sends build_status to every open connection of the build owner only', async () => {
    const userId = `user-${randomUUID()}`;
    const buildId = await pendingBuild(userId);
    await connect(`a-${buildId}`, userId);
    await connect(`b-${buildId}`, userId);
    await connect(`other-${buildId}`, 'someone-else');

    expect(await update({ buildId, status: 'running', phase: 'core' })).toMatchObject({ notified: { sent: 2, gone: 0, failed: 0 } });
    const expected = { type: 'build_status', payload: { buildId, status: 'running', phase: 'core' } };
    expect(frameSent(`a-${buildId}`)).toEqual([expected]);
    expect(frameSent(`b-${buildId}`)).toEqual([expected]);
    expect(frameSent(`other-${buildId}`)).toEqual([]);
  });

  test('deletes a vanished connection and still records the status', async () => {
    const userId = `user-${randomUUID()}`;
    const buildId = await pendingBuild(userId);
    await connect(`live-${buildId}`, userId);
    await connect(`gone-${buildId}`, userId);
    websocketMock
      .on(PostToConnectionCommand, { ConnectionId: `gone-${buildId}` })
      .rejects(new GoneException({ $metadata: { httpStatusCode: 410 }, message: 'gone' }));

    expect(await update({ buildId, status: 'running', phase: 'core' })).toMatchObject({
      success: true,
      notified: { sent: 1, gone: 1, failed: 0 },
    });
    const { Items } = await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tableName('connections') }));
    const ids = Items?.map((i) => i.connectionId);
    expect(ids).toContain(`live-${buildId}`);
    expect(ids).not.toContain(`gone-${buildId}`);
  });

  // Throttled or failing sends are retried by the management client itself; what reaches here outlasted that.
  test('logs, but survives, a connection that cannot be reached', async () => {
    const output = captureOutput();
    const userId = `user-${randomUUID()}`;
    const buildId = await pendingBuild(userId);
    await connect(`live-${buildId}`, userId);
    await connect(`broken-${buildId}`, userId);
    const serviceError = (name: string, status: number) =>
      new ApiGatewayManagementApiServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });
    websocketMock.on(PostToConnectionCommand, { ConnectionId: `live-${buildId}` }).resolves({});
    websocketMock.on(PostToConnectionCommand, { ConnectionId: `broken-${buildId}` }).rejects(serviceError('ForbiddenException', 403));

    expect(await update({ buildId, status: 'running', phase: 'core' })).toMatchObject({
      success: true,
      notified: { sent: 1, gone: 0, failed: 1 },
    });
    expect(frameSent(`live-${buildId}`)).toHaveLength(1);
    expect((await read(buildId))?.status).toBe('running');
    output.restore();
    expect(output.logs()).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: 'could not notify connection', buildId, error: { name: 'ForbiddenException', message: 'ForbiddenException' } }),
    );
  });
});

describe('the artifacts a person reviews', () => {
  const record = (event: unknown) => respond(async () => recordBuildArtifacts(deps(), parseInput(recordArtifactsEvent, event)));
  const schema = (name: string) => ({ name, description: `The ${name} tool`, inputSchema: { type: 'object', properties: { sides: { type: 'integer' } } } });
  const sha = (body: string) => createHash('sha256').update(body).digest('hex');
  const frames = (connectionId: string) =>
    websocketMock
      .commandCalls(PostToConnectionCommand)
      .filter((c) => c.args[0].input.ConnectionId === connectionId)
      .map((c) => JSON.parse(Buffer.from(c.args[0].input.Data as Uint8Array).toString('utf8')));

  async function afterOi(userId: string): Promise<string> {
    const buildId = await pendingBuild(userId);
    await update({ buildId, status: 'running', phase: 'oi' });
    return buildId;
  }

  test('hashes each bundle from its bytes in S3 (never from its key) and records them on the build', async () => {
    const buildId = await afterOi('reviewer-1');
    // The key claims one hash; the bytes have another. The bytes win.
    const key = `tools/dice/${'0'.repeat(64)}.zip`;
    bucket.put(key, 'the dice bundle');
    at('2026-03-01T10:45:00.000Z');
    const tools = [{ toolName: 'dice', s3Key: key, schema: schema('dice') }];

    expect(await record({ buildId, artifacts: { status: 'success', tools, summary: 'Rolls dice' } })).toEqual({
      success: true,
      tools: [{ ...tools[0], sha256: sha('the dice bundle') }],
    });
    expect((await read(buildId))?.review).toEqual({
      tools: [{ ...tools[0], sha256: sha('the dice bundle') }],
      summary: 'Rolls dice',
      recordedAt: '2026-03-01T10:45:00.000Z',
    });
  });

  test.each([
    ['a bundle outside its own tool folder', [{ toolName: 'dice', s3Key: 'tools/coin/a.zip', schema: schema('dice') }], "dice's bundle must be under tools/dice/"],
    ['a bundle that does not exist', [{ toolName: 'dice', s3Key: 'tools/dice/missing.zip', schema: schema('dice') }], 'Bundle tools/dice/missing.zip does not exist'],
    [
      'the same tool twice',
      [
        { toolName: 'dice', s3Key: 'tools/dice/a.zip', schema: schema('dice') },
        { toolName: 'dice', s3Key: 'tools/dice/a.zip', schema: schema('dice') },
      ],
      'artifacts.tools names a tool twice',
    ],
  ])('refuses %s with BAD_REQUEST and records nothing', async (_label, tools, message) => {
    bucket.put('tools/dice/a.zip', 'bytes');
    const buildId = await afterOi('reviewer-2');
    expect(await record({ buildId, artifacts: { tools } })).toEqual({ success: false, error: { code: 'BAD_REQUEST', message } });
    expect(await read(buildId)).not.toHaveProperty('review');
  });

  test('no recording once a decision was made: CONFLICT, and the reviewed record stays', async () => {
    const buildId = await afterOi('reviewer-3');
    bucket.put('tools/dice/a.zip', 'first bytes');
    await record({ buildId, artifacts: { tools: [{ toolName: 'dice', s3Key: 'tools/dice/a.zip', schema: schema('dice') }] } });
    await dynamo.doc.send(
      new UpdateCommand({ TableName: dynamo.tableName('builds'), Key: key(buildId), UpdateExpression: 'SET #d = :d', ExpressionAttributeNames: { '#d': 'decision' }, ExpressionAttributeValues: { ':d': { decision: 'approve' } } }),
    );
    const before = await read(buildId);
    bucket.put('tools/dice/a.zip', 'swapped bytes');
    expect(await record({ buildId, artifacts: { tools: [{ toolName: 'dice', s3Key: 'tools/dice/a.zip', schema: schema('dice') }] } })).toMatchObject({
      success: false,
      error: { code: 'CONFLICT' },
    });
    expect(await read(buildId)).toEqual(before);
  });

  test('awaiting approval keeps the task token and sends the owner build_review with each bundle by its hash', async () => {
    const userId = `user-${randomUUID()}`;
    const buildId = await afterOi(userId);
    await connect(`review-${buildId}`, userId);
    bucket.put('tools/dice/a.zip', 'dice bytes');
    await record({ buildId, artifacts: { tools: [{ toolName: 'dice', s3Key: 'tools/dice/a.zip', schema: schema('dice') }], summary: 'Rolls dice' } });

    expect(await update({ buildId, status: 'awaiting_approval', taskToken: 'token-1' })).toMatchObject({
      success: true,
      build: { buildId, status: 'awaiting_approval', phase: 'oi' },
    });
    expect(await read(buildId)).toMatchObject({ status: 'awaiting_approval', approvalToken: 'token-1' });
    expect(frames(`review-${buildId}`)).toEqual([
      { type: 'build_status', payload: { buildId, status: 'awaiting_approval', phase: 'oi' } },
      {
        type: 'build_review',
        payload: {
          buildId,
          tools: [{ toolName: 'dice', sha256: sha('dice bytes'), description: 'The dice tool', inputSchema: schema('dice').inputSchema }],
          summary: 'Rolls dice',
        },
      },
    ]);
  });

  test('awaiting approval needs the task token, and only that status carries one', async () => {
    const buildId = await afterOi('reviewer-4');
    expect(await update({ buildId, status: 'awaiting_approval' })).toMatchObject({ success: false, error: { code: 'BAD_REQUEST' } });
    expect(await update({ buildId, status: 'failed', taskToken: 'token-x' })).toMatchObject({ success: false, error: { code: 'BAD_REQUEST' } });
    expect((await read(buildId))?.status).toBe('running');
  });

  test('the pipeline rejecting a build (its approval timed out) records build_rejected as a timeout and drops the token', async () => {
    const buildId = await afterOi('reviewer-5');
    await recordReview(buildId);
    await update({ buildId, status: 'awaiting_approval', taskToken: 'token-2' });
    at('2026-03-02T10:45:00.000Z');
    await update({ buildId, status: 'rejected', error: { Error: 'FABLE.ApprovalTimedOut', Cause: 'no decision within 24 hours' } });

    const item = await read(buildId);
    expect(item).toMatchObject({ status: 'rejected', rejectedAt: '2026-03-02T10:45:00.000Z', error: 'FABLE.ApprovalTimedOut: no decision within 24 hours' });
    expect(item).not.toHaveProperty('approvalToken');
    const events = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((event) => event.target === `build:${buildId}`);
    expect(events).toEqual([
      storedEvent({
        type: 'build_rejected',
        orgId: 'default',
        userId: 'reviewer-5',
        actor: 'service:build-pipeline',
        target: `build:${buildId}`,
        outcome: 'failure',
        detail: { phase: 'oi', reason: 'approval_timeout' },
        at: '2026-03-02T10:45:00.000Z',
      }),
    ]);
  });
});
