import { randomUUID } from 'node:crypto';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/update-build-status/index';
import { dynamoDocumentClient } from '../../../lambdas/shared/clients/dynamodb';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { statusUpdate } from '../../../lambdas/update-build-status/status-update';
import { parseInput } from '../../../lambdas/shared/validation';

const websocketMock = mockClient(ApiGatewayManagementApiClient);
let dynamo: LocalDynamo;
const BUILD_ID = randomUUID();

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  process.env.BUILDS_TABLE = dynamo.tableName('builds');
  process.env.CONNECTIONS_TABLE = dynamo.tableName('connections');
  process.env.WEBSOCKET_ENDPOINT = 'https://abc123.execute-api.us-west-2.amazonaws.com/test';
  process.env.AUDIT_TABLE = dynamo.tableName('audit');
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
