/**
 * user-data end to end on the local engines: its real handler with its tables on DynamoDB Local,
 * the real memory handler on PGlite behind its Lambda invokes, and the artifacts bucket in
 * memory (FakeS3). `seedUser` gives a user one of everything FABLE holds about people.
 */
import { createHash } from 'node:crypto';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { handler } from '../../lambdas/user-data';
import { keys, TABLES, type DirectResponse, type TableComponent, type UserDataResponse } from '../../lambdas/shared/contract';
import { startDynamoLocal, type LocalDynamo } from '../../scripts/local/dynamodb-local';
import { startMemoryHandler, type MemoryHandler } from './memory-handler';
import { FakeS3 } from './fake-s3';
import { TELEMETRY_ENV } from './telemetry';

export const BUCKET = 'fable-test-artifacts-123456789012';
export const MEMORY_FUNCTION = 'fable-test-memory';

type LambdaStub = AwsStub<any, any, any>;

export interface UserDataHarness {
  readonly dynamo: LocalDynamo;
  readonly memory: MemoryHandler;
  readonly s3: FakeS3;
  readonly lambda: LambdaStub;
  /** The handler, as Lambda runs it. */
  request(action: string, payload: Record<string, unknown>): Promise<DirectResponse<UserDataResponse>>;
  stop(): Promise<void>;
}

const invokeResult = (body: unknown): InvokeCommandOutput => ({ $metadata: {}, StatusCode: 200, Payload: Buffer.from(JSON.stringify(body)) }) as unknown as InvokeCommandOutput;

export async function startUserData(): Promise<UserDataHarness> {
  const dynamo = await startDynamoLocal();
  Object.assign(process.env, {
    ...TELEMETRY_ENV,
    CONNECTIONS_TABLE: dynamo.tableName('connections'),
    CONVERSATIONS_TABLE: dynamo.tableName('conversations'),
    BUILDS_TABLE: dynamo.tableName('builds'),
    TOOLS_TABLE: dynamo.tableName('tools'),
    AUDIT_TABLE: dynamo.tableName('audit'),
    ARTIFACTS_BUCKET: BUCKET,
    MEMORY_FUNCTION_NAME: MEMORY_FUNCTION,
  });
  const memory = await startMemoryHandler();
  const s3 = new FakeS3(BUCKET);
  const lambda = mockClient(LambdaClient);
  routeMemory(lambda, memory);
  return {
    dynamo,
    memory,
    s3,
    lambda,
    request: (action, payload) => handler({ action, payload }) as Promise<DirectResponse<UserDataResponse>>,
    stop: async () => {
      lambda.restore();
      s3.restore();
      await memory.stop();
      await dynamo.stop();
    },
  };
}

/** Invocations of the memory function run the real memory handler. */
export function routeMemory(lambda: LambdaStub, memory: MemoryHandler): void {
  lambda.reset();
  lambda.on(InvokeCommand, { FunctionName: MEMORY_FUNCTION }).callsFake(async (input: InvokeCommand['input']) =>
    invokeResult(await memory.invoke(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8')))),
  );
}

export interface Subject {
  readonly userId: string;
  readonly orgId: string;
}

/** What was seeded for a user, by id. */
export interface Seeded {
  readonly memoryIds: string[];
  readonly conversationId: string;
  readonly buildIds: [long: string, short: string];
  readonly toolName: string;
  readonly connectionId: string;
  readonly earlierExport: string;
}

const T0 = '2026-05-01T10:00:00.000Z';
const T1 = '2026-05-01T10:00:05.000Z';

/**
 * One of everything for `subject`, named after `tag`: memories in two scopes, a conversation with
 * a turn and its request record, two builds (one whose request was cut to a preview) with their
 * S3 files, a tool deployed in the org, an open connection, an earlier export, an audit event.
 */
export async function seedUser(h: UserDataHarness, subject: Subject, tag: string): Promise<Seeded> {
  const put = (component: TableComponent, Item: Record<string, unknown>) =>
    h.dynamo.doc.send(new PutCommand({ TableName: h.dynamo.tableName(component), Item }));
  const memoryIds: string[] = [];
  for (const [scope, content] of [['user', `${tag} likes green tea`], ['org', `${tag} runs the weekly sync`]] as const) {
    memoryIds.push((await h.memory.ok({ action: 'create', payload: { ...subject, content, scope } })).memory.id);
  }

  const conversationId = `conv-${tag}`;
  const pk = keys.conversation(conversationId);
  await put('conversations', {
    PK: pk, SK: keys.meta, userId: subject.userId, orgId: subject.orgId, conversationId,
    GSI1PK: keys.user(subject.userId), GSI1SK: keys.conversation(T1), createdAt: T0, updatedAt: T1,
  });
  await put('conversations', { PK: pk, SK: keys.message(T0, 0), role: 'user', content: `hello from ${tag}`, userId: subject.userId, createdAt: T0 });
  await put('conversations', { PK: pk, SK: keys.message(T1, 1), role: 'assistant', content: `hello ${tag}`, messageId: `m-${tag}`, userId: subject.userId, createdAt: T1 });
  await put('conversations', { PK: pk, SK: `REQ#${tag}-hash`, status: 'COMPLETED', outcome: 'completed' });

  const buildIds: [string, string] = [uuidFor(`${tag}-long`), uuidFor(`${tag}-short`)];
  for (const [buildId, truncated] of [[buildIds[0], true], [buildIds[1], false]] as const) {
    const request = truncated ? `${tag} wants a very long tool request` : `${tag} wants a dice tool`;
    await put('builds', {
      PK: keys.build(buildId), SK: keys.meta, GSI1PK: keys.user(subject.userId), GSI1SK: keys.build(T0),
      buildId, status: 'completed', phase: 'deploy', userId: subject.userId, orgId: subject.orgId,
      request: truncated ? request.slice(0, 10) : request, requestTruncated: truncated, createdAt: T0, updatedAt: T1,
    });
    h.s3.put(`builds/${buildId}/spec.json`, { buildId, request, userId: subject.userId, orgId: subject.orgId, createdAt: T0 });
    h.s3.put(`builds/${buildId}/core-output.json`, { status: 'success' });
    h.s3.put(`builds/${buildId}/oi-output.json`, { status: 'success', tools: [] });
  }

  const toolName = `tool-${tag}`;
  await put('tools', {
    PK: keys.tool(toolName), SK: keys.meta, GSI1PK: keys.org(subject.orgId), GSI1SK: keys.tool(toolName),
    toolName, functionName: `fable-test-tool-${toolName}`, functionArn: `arn:aws:lambda:us-west-2:123456789012:function:fable-test-tool-${toolName}`,
    functionUrl: `https://${tag}.lambda-url.us-west-2.on.aws/`, version: 1, orgId: subject.orgId, userId: subject.userId,
    s3Key: `tools/${toolName}/abc.zip`, schema: { name: toolName, description: `${tag}'s tool` }, memorySize: 256, timeout: 30,
    createdAt: T0, updatedAt: T0,
  });

  const connectionId = `conn-${tag}=`;
  await put('connections', { connectionId, userId: subject.userId, orgId: subject.orgId, connectedAt: T0, ttl: 2_000_000_000 });

  const earlierExport = `exports/${subject.userId}/earlier-${tag}.json`;
  h.s3.put(earlierExport, { format: 'fable-user-export/1', memories: [`${tag} likes green tea`] });

  await put('audit', {
    PK: keys.org(subject.orgId), SK: keys.event(T0, `01JTEST${tag.toUpperCase().padEnd(19, '0').slice(0, 19)}`),
    GSI1PK: keys.user(subject.userId), GSI1SK: keys.eventTime(T0), eventId: 'seeded', at: T0,
    type: 'build_started', orgId: subject.orgId, userId: subject.userId, actor: `user:${subject.userId}`, target: `build:${buildIds[0]}`, outcome: 'success',
  });
  return { memoryIds, conversationId, buildIds, toolName, connectionId, earlierExport };
}

/** A stable UUID for a name (build ids must be UUIDs). */
function uuidFor(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Everything every table holds, by table, in key order: for "nothing else changed" checks. */
export async function tableContents(h: UserDataHarness): Promise<Record<string, Record<string, unknown>[]>> {
  const contents: Record<string, Record<string, unknown>[]> = {};
  for (const { component } of TABLES) {
    const { Items = [] } = await h.dynamo.doc.send(new ScanCommand({ TableName: h.dynamo.tableName(component), ConsistentRead: true }));
    contents[component] = Items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return contents;
}

/** The items of `contents` that name this user or org anywhere. */
export function itemsOf(contents: Record<string, Record<string, unknown>[]>, subject: Subject): Record<string, Record<string, unknown>[]> {
  return Object.fromEntries(
    Object.entries(contents).map(([table, items]) => [table, items.filter((item) => JSON.stringify(item).includes(subject.userId))]),
  );
}
