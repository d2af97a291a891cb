import { CloudWatchLogsClient, CreateLogGroupCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../scripts/local/dynamodb-local';
import { deployerSettings, type DeployerDeps, type DeployerSettings } from '../../lambdas/tool-deployer/settings';
import { toolDeployEvent, toolListEvent, toolUndeployEvent, type DeployRequest, type ListRequest, type UndeployRequest } from '../../lambdas/shared/contract';
import { parseInput } from '../../lambdas/shared/validation';
import { ACCOUNT, FakeLambda, REGION } from './fake-lambda';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { TELEMETRY_ENV } from './telemetry';

/** Polls a few milliseconds apart; the generous bound keeps a loaded machine from timing out a wait that succeeds. */
export const FAST_WAITER = { minDelay: 0.001, maxDelay: 0.002, maxWaitTime: 10 };
/** For waits meant to time out: "never ready" costs 50 ms instead of minutes. */
export const SHORT_WAITER = { ...FAST_WAITER, maxWaitTime: 0.05 };

export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/fable-test-tool-execution`;
export const BUCKET = `fable-test-artifacts-${ACCOUNT}`;

export function testSettings(tableName: string): DeployerSettings {
  return deployerSettings(
    {
      ...TELEMETRY_ENV,
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

/** The bytes the bucket holds for a bundle key (unless a test swapped them). */
export const bundleBytes = (s3Key: string) => `zip bytes of ${s3Key}`;
export const sha256Of = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

/** A deploy payload; its sha256 is that of the bundle's bytes as the harness bucket holds them. */
export function deployPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const s3Key = typeof overrides.s3Key === 'string' ? overrides.s3Key : 'tools/weather/3f2a9c.zip';
  return {
    toolName: 'weather',
    s3Key,
    sha256: sha256Of(bundleBytes(s3Key)),
    schema: WEATHER_SCHEMA,
    orgId: 'org-a',
    userId: 'user-1',
    ...overrides,
  };
}

/**
 * The artifacts bucket as the deployer reads it: every `tools/` key holds `bundleBytes(key)`
 * unless a test replaced it (`swapped`), the way a bundle changed after its review would be, or
 * removed it (swapped to `null`).
 */
export class BundleBucket {
  readonly client = new S3Client({ region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  readonly mock = serveBundles(mockClient(this.client), BUCKET, new Map());

  get swapped(): Map<string, string | null> {
    return this.mock.swapped;
  }
}

/** Answers GetObject of `tools/` keys in `bucket` with their bundle bytes (or swapped ones). */
type S3Stub = AwsStub<any, any, any>;
export function serveBundles(mock: S3Stub, bucket: string, swapped: Map<string, string | null>): S3Stub & { swapped: Map<string, string | null> } {
  mock.on(GetObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) => {
    if (input.Bucket !== bucket || !String(input.Key).startsWith('tools/') || swapped.get(String(input.Key)) === null) {
      throw new S3ServiceException({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'NoSuchKey' });
    }
    const key = String(input.Key);
    return { Body: Readable.from([Buffer.from(swapped.get(key) ?? bundleBytes(key))]) };
  });
  return Object.assign(mock, { swapped });
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
  bundles: BundleBucket;
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
  const bundles = new BundleBucket();
  return {
    dynamo,
    doc,
    lambda,
    logs,
    bundles,
    tableName,
    auditTable: dynamo.tableName('audit'),
    deps: {
      lambda: lambda.client,
      dynamo: doc,
      logs: logs.client,
      s3: bundles.client,
      audit: { dynamo: doc, tableName: dynamo.tableName('audit') },
      settings: testSettings(tableName),
    },
  };
}

/** A fresh control plane and empty tools and audit tables for the next test. */
export async function resetHarness(harness: Harness): Promise<void> {
  harness.lambda.mock.restore();
  harness.lambda = new FakeLambda();
  harness.logs.mock.restore();
  harness.logs = fakeLogs();
  harness.bundles.swapped.clear();
  harness.bundles.mock.resetHistory();
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
