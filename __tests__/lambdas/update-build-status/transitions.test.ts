import { randomUUID } from 'node:crypto';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
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

type Current = { status: BuildStatus; phase?: BuildPhase };
type Update = Pick<StatusUpdate, 'status' | 'phase'>;

const CURRENT: Record<string, Current> = {
  pending: { status: 'pending' },
  'running core': { status: 'running', phase: 'core' },
  'running oi': { status: 'running', phase: 'oi' },
  'running deploy': { status: 'running', phase: 'deploy' },
  completed: { status: 'completed', phase: 'deploy' },
  failed: { status: 'failed', phase: 'core' },
};
const UPDATES: Record<string, Update> = {
  'running core': { status: 'running', phase: 'core' },
  'running oi': { status: 'running', phase: 'oi' },
  'running deploy': { status: 'running', phase: 'deploy' },
  'running (no phase)': { status: 'running' },
  completed: { status: 'completed' },
  failed: { status: 'failed', error: 'boom' } as Update,
};
/** current -> the updates it accepts; every other pair is a CONFLICT. */
const ALLOWED: Record<string, string[]> = {
  pending: ['running core', 'running oi', 'running deploy', 'running (no phase)', 'failed'],
  'running core': ['running oi', 'running deploy', 'completed', 'failed'],
  'running oi': ['running deploy', 'completed', 'failed'],
  'running deploy': ['completed', 'failed'],
  completed: [],
  failed: [],
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
  } else {
    expect(response).toEqual({
      success: false,
      error: { code: 'CONFLICT', message: expect.stringContaining(`Build ${buildId} is ${CURRENT[currentName].status}`) },
    });
    expect(after).toEqual(before);
  }
});
