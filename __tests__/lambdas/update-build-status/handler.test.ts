import { randomUUID } from 'node:crypto';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/update-build-status/index';
import { dynamoDocumentClient } from '../../../lambdas/shared/clients/dynamodb';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { statusUpdate } from '../../../lambdas/update-build-status/status-update';
import { parseInput } from '../../../lambdas/shared/validation';
import { lambdaContext } from '../../helpers/lambda-events';
import { captureOutput, metricValues, TELEMETRY_ENV } from '../../helpers/telemetry';

const websocketMock = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;
const BUILD_ID = randomUUID();

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  Object.assign(process.env, TELEMETRY_ENV);
  process.env.BUILDS_TABLE = dynamo.tableName('builds');
  process.env.CONNECTIONS_TABLE = dynamo.tableName('connections');
  process.env.WEBSOCKET_ENDPOINT = 'https://abc123.execute-api.us-west-2.amazonaws.com/test';
  process.env.AUDIT_TABLE = dynamo.tableName('audit');
  process.env.QUOTAS_TABLE = dynamo.tableName('quotas');
  process.env.ARTIFACTS_BUCKET = 'fable-test-artifacts-123456789012';
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tableName('builds'),
      Item: { PK: `BUILD#${BUILD_ID}`, SK: 'META', buildId: BUILD_ID, status: 'pending', userId: 'u', orgId: 'o', createdAt: 't', updatedAt: 't' },
    }),
  );
});
afterAll(async () => {
  dynamoDocumentClient().destroy();
  await dynamo.stop();
});

describe('update-build-status handler', () => {
  test.each([
    ['no event', null, 'event must be an object'],
    ['a buildId that is not a UUID', { buildId: 'abc', status: 'running' }, 'buildId must be a UUID'],
    ['status pending', { buildId: BUILD_ID, status: 'pending' }, 'status must be one of running, awaiting_approval, deploying, completed, failed, rejected, cancelled'],
    ['an unknown status', { buildId: BUILD_ID, status: 'done' }, 'status must be one of running, awaiting_approval, deploying, completed, failed, rejected, cancelled'],
    ['an unknown phase', { buildId: BUILD_ID, status: 'running', phase: 'test' }, 'phase must be one of core, oi, deploy'],
  ])('rejects %s with BAD_REQUEST and changes nothing', async (_label, event, message) => {
    expect(await handler(event)).toEqual({ success: false, error: { code: 'BAD_REQUEST', message } });
    const { Item } = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('builds'), Key: { PK: `BUILD#${BUILD_ID}`, SK: 'META' } }));
    expect(Item?.status).toBe('pending');
    expect(websocketMock.calls()).toHaveLength(0);
  });

  test('moves the build and answers with its new state', async () => {
    expect(await handler({ buildId: BUILD_ID, status: 'running', phase: 'core' })).toEqual({
      success: true,
      build: { buildId: BUILD_ID, status: 'running', phase: 'core' },
      notified: { sent: 0, gone: 0, failed: 0 },
    });
  });
});

describe('update-build-status telemetry', () => {
  test('a build reaching a final status publishes BuildsFinished and BuildDuration by status, and logs carry its buildId', async () => {
    const buildId = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890';
    const createdAt = new Date(Date.now() - 600_000).toISOString();
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tableName('builds'),
        Item: { PK: `BUILD#${buildId}`, SK: 'META', buildId, status: 'running', userId: 'u', orgId: 'o', createdAt, updatedAt: createdAt },
      }),
    );
    // The user's connection cannot be reached: notifying is best effort, and says so in the log.
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName('connections'), Item: { connectionId: 'conn-u', userId: 'u' } }));
    websocketMock.on(PostToConnectionCommand).rejects(new Error('endpoint down'));
    const output = captureOutput();
    const response = await handler({ buildId, status: 'failed', phase: 'core', error: 'tests did not pass' }, lambdaContext(30_000));
    output.restore();
    websocketMock.reset();

    expect(response).toMatchObject({ success: true, build: { status: 'failed' } });
    const emf = output.metrics();
    const [finished] = metricValues(emf, 'BuildsFinished');
    expect(finished.value).toBe(1);
    expect(finished.record).toMatchObject({ service: 'update-build-status', Stage: 'test', Status: 'failed' });
    expect(finished.record._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'FABLE', Dimensions: [['service', 'Stage', 'Status']], Metrics: [{ Name: 'BuildsFinished', Unit: 'Count' }] },
    ]);
    const [duration] = metricValues(emf, 'BuildDuration');
    expect(duration.value as number).toBeGreaterThanOrEqual(600);
    expect(duration.value as number).toBeLessThan(700);
    expect(duration.record).toMatchObject({ Status: 'failed', Stage: 'test' });
    expect(duration.record._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'BuildDuration', Unit: 'Seconds' }]);
    expect(output.logs()).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'could not notify connection', buildId, service: 'update-build-status' }));
  });

  test('a status that does not end the build publishes no build metric', async () => {
    const output = captureOutput();
    await handler({ buildId: BUILD_ID, status: 'running', phase: 'oi' });
    output.restore();
    expect(output.metrics()).toEqual([]);
  });
});

describe('the status update the handler works with', () => {
  test.each([
    ['a plain string', 'disk full', 'disk full'],
    ['a phase failure record', { Error: 'FABLE.CorePhaseFailed', Cause: JSON.stringify({ status: 'failed', error: 'tests did not pass' }) }, 'FABLE.CorePhaseFailed: tests did not pass'],
    ['a stopped ECS task', { Error: 'States.TaskFailed', Cause: JSON.stringify({ StoppedReason: 'Essential container in task exited', Containers: [] }) }, 'States.TaskFailed: Essential container in task exited'],
    ['a plain-text cause', { Error: 'States.Timeout', Cause: 'Task timed out' }, 'States.Timeout: Task timed out'],
    ['an error without a cause', { Error: 'States.Timeout' }, 'States.Timeout'],
    ['any other JSON', { code: 7 }, '{"code":7}'],
  ])('turns %s into one error line', (_label, error, expected) => {
    expect(parseInput(statusUpdate, { buildId: BUILD_ID, status: 'failed', error }).error).toBe(expected);
  });
});
