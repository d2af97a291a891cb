import { randomUUID } from 'node:crypto';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { updateBuildStatus } from '../../../lambdas/update-build-status/update-status';
import type { StatusUpdate } from '../../../lambdas/update-build-status/status-update';
import { respond } from '../../../lambdas/shared/responses';
import type { BuildPhase, BuildStatus } from '../../../lambdas/shared/contract';

/**
 * Every (current state, update) pair against real DynamoDB conditions: status only moves
 * forward (DESIGN.md section 5), and a refused update changes nothing.
 */
let dynamo: LocalDynamo;
const websocket = new ApiGatewayManagementApiClient({ region: 'us-west-2', endpoint: 'https://example.com/test' });
mockClient(websocket);

beforeAll(async () => {
  dynamo = await startDynamoLocal();
});
afterAll(() => dynamo.stop());

type Current = { status: BuildStatus; phase?: BuildPhase } & Record<string, unknown>;
type Update = Pick<StatusUpdate, 'status' | 'phase' | 'taskToken' | 'error'>;

const REVIEW = { tools: [], summary: 'A dice tool', recordedAt: '2026-01-01T00:00:00.000Z' };
const APPROVED = { decision: 'approve', by: 'user:owner', at: '2026-01-01T00:00:00.000Z' };
const CURRENT: Record<string, Current> = {
  pending: { status: 'pending' },
  'running core': { status: 'running', phase: 'core' },
  'running oi': { status: 'running', phase: 'oi' },
  'running oi, artifacts recorded': { status: 'running', phase: 'oi', review: REVIEW },
  awaiting_approval: { status: 'awaiting_approval', phase: 'oi', review: REVIEW, approvalToken: 'old-token' },
  'awaiting_approval, approved': { status: 'awaiting_approval', phase: 'oi', review: REVIEW, approvalToken: 'old-token', decision: APPROVED },
  deploying: { status: 'deploying', phase: 'deploy', review: REVIEW, decision: APPROVED },
  completed: { status: 'completed', phase: 'deploy' },
  failed: { status: 'failed', phase: 'core' },
  rejected: { status: 'rejected', phase: 'oi', review: REVIEW },
  cancelled: { status: 'cancelled', phase: 'core' },
};
const UPDATES: Record<string, Update> = {
  'running core': { status: 'running', phase: 'core' },
  'running oi': { status: 'running', phase: 'oi' },
  'running deploy': { status: 'running', phase: 'deploy' },
  'running (no phase)': { status: 'running' },
  awaiting_approval: { status: 'awaiting_approval', taskToken: 'new-token' },
  deploying: { status: 'deploying', phase: 'deploy' },
  completed: { status: 'completed' },
  failed: { status: 'failed', error: 'boom' },
  rejected: { status: 'rejected', error: 'FABLE.ApprovalTimedOut: no decision within 24 hours' },
  cancelled: { status: 'cancelled' },
};
const ENDINGS = ['failed', 'rejected', 'cancelled'];
/** current -> the updates it accepts; every other pair is a CONFLICT. */
const ALLOWED: Record<string, string[]> = {
  pending: ['running core', 'running oi', 'running deploy', 'running (no phase)', ...ENDINGS],
  'running core': ['running oi', 'running deploy', ...ENDINGS],
  // Nothing to review or deploy before the artifacts are recorded.
  'running oi': ['running deploy', ...ENDINGS],
  'running oi, artifacts recorded': ['running deploy', 'awaiting_approval', 'deploying', ...ENDINGS],
  // Re-entered by a retried AwaitApproval (a new token); deploying only once approved.
  awaiting_approval: ['awaiting_approval', ...ENDINGS],
  'awaiting_approval, approved': ['deploying', ...ENDINGS],
  deploying: ['completed', ...ENDINGS],
  completed: [],
  failed: [],
  rejected: [],
  cancelled: [],
};

const cases = Object.keys(CURRENT).flatMap((current) =>
  Object.keys(UPDATES).map((update) => [current, update, ALLOWED[current].includes(update)] as const),
);

async function seed(current: Current): Promise<string> {
  const buildId = randomUUID();
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tableName('builds'),
      Item: {
        PK: `BUILD#${buildId}`,
        SK: 'META',
        buildId,
        userId: 'user-without-connections',
        orgId: 'default',
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        ...current,
      },
    }),
  );
  return buildId;
}

const read = async (buildId: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('builds'), Key: { PK: `BUILD#${buildId}`, SK: 'META' } }))).Item;

test.each(cases)('%s + update %s -> allowed: %s', async (currentName, updateName, allowed) => {
  const buildId = await seed(CURRENT[currentName]);
  const before = await read(buildId);
  const update = { buildId, ...UPDATES[updateName] } as StatusUpdate;

  const response = await respond(() =>
    updateBuildStatus(
      {
        builds: { dynamo: dynamo.doc, tableName: dynamo.tableName('builds') },
        sender: { dynamo: dynamo.doc, websocket, connectionsTable: dynamo.tableName('connections') },
        audit: { dynamo: dynamo.doc, tableName: dynamo.tableName('audit') },
        quotas: { dynamo: dynamo.doc, tableName: dynamo.tableName('quotas') },
        artifacts: { s3: new S3Client({ region: 'us-west-2' }), bucket: 'unused' },
        now: () => new Date('2026-02-02T00:00:00.000Z'),
      },
      update,
    ),
  );

  const after = await read(buildId);
  if (allowed) {
    const phase = update.phase ?? CURRENT[currentName].phase;
    expect(response).toEqual({
      success: true,
      build: { buildId, status: update.status, ...(phase ? { phase } : {}) },
      notified: { sent: 0, gone: 0, failed: 0 },
    });
    expect(after).toMatchObject({ status: update.status, updatedAt: '2026-02-02T00:00:00.000Z' });
    // The task token is kept exactly while a decision is awaited, and it is the newest one.
    if (update.status === 'awaiting_approval') expect(after?.approvalToken).toBe('new-token');
    else expect(after).not.toHaveProperty('approvalToken');
  } else {
    expect(response).toEqual({
      success: false,
      error: { code: 'CONFLICT', message: expect.stringContaining(`Build ${buildId} is ${CURRENT[currentName].status}`) },
    });
    expect(after).toEqual(before);
  }
});
