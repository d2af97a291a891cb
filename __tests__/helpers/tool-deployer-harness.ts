import { CloudWatchLogsClient, CreateLogGroupCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../scripts/local/dynamodb-local';
import { deployerSettings, type DeployerDeps, type DeployerSettings } from '../../lambdas/tool-deployer/settings';
import { toolDeployEvent, toolListEvent, toolUndeployEvent, type DeployRequest, type ListRequest, type UndeployRequest } from '../../lambdas/shared/contract';
import { parseInput } from '../../lambdas/shared/validation';
import { ACCOUNT, FakeLambda, REGION } from './fake-lambda';

/** Polls a few milliseconds apart; the generous bound keeps a loaded machine from timing out a wait that succeeds. */
export const FAST_WAITER = { minDelay: 0.001, maxDelay: 0.002, maxWaitTime: 10 };
/** For waits meant to time out: "never ready" costs 50 ms instead of minutes. */
export const SHORT_WAITER = { ...FAST_WAITER, maxWaitTime: 0.05 };

export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/fable-test-tool-execution`;
export const BUCKET = `fable-test-artifacts-${ACCOUNT}`;

export function testSettings(tableName: string): DeployerSettings {
  return deployerSettings(
    {
      TOOLS_TABLE: tableName,
      AUDIT_TABLE: 'fable-test-audit',
      ARTIFACTS_BUCKET: BUCKET,
      TOOL_ROLE_ARN: ROLE_ARN,
      TOOL_FUNCTION_PREFIX: 'fable-test-tool-',
      TOOL_RUNTIME: 'nodejs24.x',
      TOOL_BOUNDARY_ARN: `arn:aws:iam::${ACCOUNT}:policy/fable-test-tool-boundary`,
      TOOL_LOG_RETENTION_DAYS: '14',
      TOOL_RESERVED_CONCURRENCY: '5',
    },
    FAST_WAITER,
  );
}

export const WEATHER_SCHEMA = {
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: {
    type: 'object',
    properties: { city: { type: 'string', description: 'City name' }, units: { type: 'string', enum: ['c', 'f'] } },
    required: ['city'],
  },
};

export function deployPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    toolName: 'weather',
    s3Key: 'tools/weather/3f2a9c.zip',
    schema: WEATHER_SCHEMA,
    orgId: 'org-a',
    userId: 'user-1',
    ...overrides,
  };
}

/** Requests as the handler hands them to the actions: checked by the contract, defaults applied. */
export const deployRequest = (overrides: Record<string, unknown> = {}): DeployRequest =>
  parseInput(toolDeployEvent, { action: 'deploy', payload: deployPayload(overrides) }).payload;
export const undeployRequest = (payload: Record<string, unknown>): UndeployRequest =>
  parseInput(toolUndeployEvent, { action: 'undeploy', payload }).payload;
export const listRequest = (payload: Record<string, unknown>): ListRequest => parseInput(toolListEvent, { action: 'list', payload }).payload;

/** CloudWatch Logs for the tools' log groups: every command answered, every command recorded. */
export function fakeLogs(): { client: CloudWatchLogsClient; mock: ReturnType<typeof mockClient> } {
  const client = new CloudWatchLogsClient({ region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const mock = mockClient(client);
  mock.on(CreateLogGroupCommand).resolves({});
  mock.on(PutRetentionPolicyCommand).resolves({});
  return { client, mock };
}

/** The CloudWatch Logs commands sent, by name and input, in order. */
export function logCommands(logs: ReturnType<typeof fakeLogs>): { name: string; input: unknown }[] {
  return logs.mock.calls().map((call) => {
    const command = call.args[0] as unknown as { constructor: { name: string }; input: unknown };
    return { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
  });
}

/** DynamoDB Local + the fake control plane, wired like the handler wires the real clients. */
export interface Harness {
  readonly dynamo: LocalDynamo;
  /** Same marshalling as production: an undefined attribute is an error, never dropped. */
  readonly doc: DynamoDBDocumentClient;
  lambda: FakeLambda;
  logs: ReturnType<typeof fakeLogs>;
  deps: DeployerDeps;
  readonly tableName: string;
  /** Where the deployer's audit events go. */
  readonly auditTable: string;
}

export async function startHarness(): Promise<Harness> {
  const dynamo = await startDynamoLocal();
  const doc = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: false } });
  const tableName = dynamo.tableName('tools');
  const lambda = new FakeLambda();
  const logs = fakeLogs();
  return {
    dynamo,
    doc,
    lambda,
    logs,
    tableName,
    auditTable: dynamo.tableName('audit'),
    deps: { lambda: lambda.client, dynamo: doc, logs: logs.client, audit: { dynamo: doc, tableName: dynamo.tableName('audit') }, settings: testSettings(tableName) },
  };
}

/** A fresh control plane and empty tools and audit tables for the next test. */
export async function resetHarness(harness: Harness): Promise<void> {
  harness.lambda.mock.restore();
  harness.lambda = new FakeLambda();
  harness.logs.mock.restore();
  harness.logs = fakeLogs();
  harness.deps = { ...harness.deps, lambda: harness.lambda.client, logs: harness.logs.client, settings: testSettings(harness.tableName) };
  for (const TableName of [harness.tableName, harness.auditTable]) {
    const items = await harness.doc.send(new ScanCommand({ TableName }));
    for (const item of items.Items ?? []) await harness.doc.send(new DeleteCommand({ TableName, Key: { PK: item.PK, SK: item.SK } }));
  }
}


/** Run work whose waits give up after 50 ms (for functions that never become ready), then restore the waits. */
export async function withShortWaits<T>(harness: Harness, work: () => Promise<T>): Promise<T> {
  const deps = harness.deps;
  harness.deps = { ...deps, settings: { ...deps.settings, waiter: SHORT_WAITER } };
  try {
    return await work();
  } finally {
    harness.deps = deps;
  }
}

export async function toolItem(harness: Harness, toolName: string): Promise<Record<string, unknown> | undefined> {
  const result = await harness.doc.send(new GetCommand({ TableName: harness.tableName, Key: { PK: `TOOL#${toolName}`, SK: 'META' } }));
  return result.Item;
}
