/**
 * End to end, offline: the synthesized build-pipeline definition (Terraform references resolved
 * to realistic ARNs) runs in aws-local-stepfunctions, started by the REAL build-kickoff handler
 * and reporting through the REAL update-build-status handler, both on DynamoDB Local. ECS tasks and S3
 * reads are local handlers over an in-memory bucket. The tools are deployed by the REAL tool-deployer
 * code against a stateful fake Lambda control plane, recording them in the tools table on DynamoDB Local.
 * A person's decision is build-kickoff's REAL `review` (and `cancel`); the local engine has no task
 * tokens or StopExecution of its own, so the SendTask* and StopExecution calls build-kickoff makes
 * are answered here by settling the waiting AwaitApproval task and aborting the execution.
 */
import type { StateMachine as LocalStateMachineClass } from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StopExecutionCommand,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createTableInput, startDynamoLocal, type LocalDynamo } from '../../scripts/local/dynamodb-local';
import { findResource } from '../helpers/synth';
import { synthPipelineStack } from '../helpers/pipeline-stack';
import { FAKE_ACCOUNT, FAKE_REGION, resolveTokens } from '../helpers/terraform-tokens';
import { RealToolDeployer, toolDeployerEnvironment } from '../helpers/real-tool-deployer';
import { BUILD_PIPELINE_STATES } from '../../src/pipeline/build-pipeline-definition';
import { auditEvents } from '../helpers/audit-trail';
import { TABLES, type DeployedTool, type ToolDeployEvent } from '../../lambdas/shared/contract';
import { dynamoDocumentClient } from '../../lambdas/shared/clients/dynamodb';
import type * as KickoffModule from '../../lambdas/build-kickoff/index';
import type * as UpdateBuildStatusModule from '../../lambdas/update-build-status/index';
import { captureOutput } from '../helpers/telemetry';

// The package is ESM with a CommonJS build; jest runs CommonJS, so it loads that build.
const { StateMachine: LocalStateMachine } = require('aws-local-stepfunctions') as { StateMachine: typeof LocalStateMachineClass };

type Json = any;
type Handler = (event: unknown) => Promise<any>;

// ---------------------------------------------------------------- simulated AWS around the handlers

/** The artifacts bucket: `<bucket>/<key>` -> body. */
const bucket = new Map<string, string>();
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const websocketMock = mockClient(ApiGatewayManagementApiClient);

/** An error as Step Functions names it (`name` is what Retry / Catch match, `message` the Cause). */
function stepFunctionsError(name: string, cause: string): Error {
  return Object.assign(new Error(cause), { name });
}

/** A container outcome: the record it uploads (if it gets that far) and its exit code. */
interface ContainerOutcome {
  readonly output?: Record<string, Json>;
  readonly exitCode: number;
}
interface ContainerRun {
  readonly phase: string;
  readonly env: Record<string, string>;
  readonly params: Record<string, Json>;
  /** The spec the container fetched from S3 (as entrypoint.sh does). */
  readonly spec: Record<string, Json>;
}
type Container = (run: ContainerRun) => ContainerOutcome | Promise<ContainerOutcome>;
type SyncContainer = (run: ContainerRun) => ContainerOutcome;

const succeeding =
  (extra: Record<string, Json> = {}): Container =>
  ({ phase, env }) => ({ output: { status: 'success', phase, buildId: env.FABLE_BUILD_ID, ...extra }, exitCode: 0 });
/** Like entrypoint.sh: the EXIT trap uploads a failure record, then the container exits non-zero. */
const failing =
  (error: string): SyncContainer =>
  ({ phase, env }) => ({ output: { status: 'failed', phase, buildId: env.FABLE_BUILD_ID, error }, exitCode: 1 });
/** Killed before the trap could upload anything (e.g. out of memory). */
const killed: Container = () => ({ exitCode: 137 });

/** What a successful OI container uploads as a tool's bundle (entrypoint.sh names it by its hash). */
const bundleOf = (toolName: string) => `the ${toolName} bundle`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const toolEntry = (toolName: string) => ({
  toolName,
  s3Key: `tools/${toolName}/3f9a0c.zip`,
  schema: { name: toolName, description: `The ${toolName} tool`, inputSchema: { type: 'object' } },
});

/** What the deployer answers for a tool of this build (the fake control plane's ARN and URL forms). */
const deployedTool = (toolName: string, version = 1): DeployedTool => ({
  toolName,
  functionName: `fable-dev-tool-${toolName}`,
  functionArn: `arn:aws:lambda:${FAKE_REGION}:${FAKE_ACCOUNT}:function:fable-dev-tool-${toolName}`,
  functionUrl: `https://fable-dev-tool-${toolName}-live.lambda-url.${FAKE_REGION}.on.aws/`,
  version,
});

interface Scenario {
  readonly core?: Container;
  readonly oi?: Container;
  /** Wraps an update-build-status call of one state (to inject faults). */
  readonly statusFault?: { readonly state: string; readonly fault: 'dynamo-throttled' | 'response-lost' };
  /** The first deploy runs, but its answer never reaches Step Functions. */
  readonly deployFault?: 'response-lost';
  /**
   * What the person does once the build awaits their review (build_review sent): by default its
   * owner approves through build-kickoff's `review`. `timeout`: nobody answers until the task's
   * TimeoutSeconds pass (Step Functions then fails it with States.Timeout).
   */
  readonly onReview?: ((build: { buildId: string; userId: string }) => Promise<unknown>) | 'timeout';
  /** Runs as the first deploy of the build starts (e.g. a cancel during the deploy phase). */
  readonly beforeDeploy?: (buildId: string) => Promise<unknown>;
}

/** What the simulated services saw during one execution. */
interface Trace {
  readonly containerRuns: ContainerRun[];
  readonly statusCalls: { state: string; payload: Json; answer?: Json }[];
  readonly deployCalls: ToolDeployEvent[];
}

let definition: Json;
let machine: InstanceType<typeof LocalStateMachineClass>;
let retryIntervalOverrides: Record<string, number>;
let artifactsBucket: string;
let kickoff: Handler;
let updateBuildStatus: Handler;
let deployer: RealToolDeployer;
let dynamo: LocalDynamo;
let scenario: Scenario = {};
let trace: Trace;

/** Executions by name, as Step Functions keeps them. */
const executions = new Map<
  string,
  { input: string; arn: string; running: boolean; abort: () => void; outcome: Promise<{ status: string; error?: string }> }
>();
/** AwaitApproval tasks waiting for their token, as Step Functions keeps them. */
const waitingTasks = new Map<string, { resolve: (output: Json) => void; reject: (error: Error) => void }>();
/** Tasks still running, by the build their execution is named after. */
const runningTasks = new Map<string, Set<(error: Error) => void>>();

/** How a running task ends when its execution stops: Step Functions ends it and never retries it. */
const executionStopped = () => Object.assign(stepFunctionsError('States.Runtime', 'The execution was stopped'), { isRetryable: false });

/**
 * A task that runs until its execution (named by its build) stops. The local engine races each
 * task against its TimeoutSeconds timer and clears the timer only when the task settles, so a
 * task left pending forever would keep that timer, and the jest worker, alive for hours.
 */
function untilStopped(buildId: string): Promise<never> {
  return new Promise((_, reject) => {
    if (executions.get(buildId)?.running === false) return reject(executionStopped());
    if (!runningTasks.has(buildId)) runningTasks.set(buildId, new Set());
    runningTasks.get(buildId)!.add(reject);
  });
}

/** The owner of each build, for the default reviewer. */
const owners = new Map<string, string>();

/** The optimized lambda:invoke integration around a handler: `{Payload, StatusCode}`, or the function's error. */
async function invokeLambda(handler: Handler, payload: Json): Promise<Json> {
  try {
    return { ExecutedVersion: '$LATEST', Payload: await handler(payload), StatusCode: 200 };
  } catch (error) {
    const { name, message } = error as Error;
    throw stepFunctionsError(name, JSON.stringify({ errorType: name, errorMessage: message }));
  }
}

function statusUpdateState(state: string) {
  return async (input: Json) => {
    const call: Trace['statusCalls'][number] = { state, payload: input.Payload };
    trace.statusCalls.push(call);
    const fault = scenario.statusFault?.state === state && trace.statusCalls.filter((c) => c.state === state).length === 1;
    if (fault && scenario.statusFault?.fault === 'dynamo-throttled') {
      // The handler's first DynamoDB call is throttled: it must throw, so Step Functions retries.
      jest
        .spyOn(dynamoDocumentClient(), 'send')
        .mockImplementationOnce(() =>
          Promise.reject(Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })),
        );
    }
    const result = await invokeLambda(updateBuildStatus, input.Payload);
    call.answer = result.Payload;
    // The handler ran and stored the status, but its answer never reached Step Functions.
    if (fault && scenario.statusFault?.fault === 'response-lost') throw stepFunctionsError('Lambda.ServiceException', 'Service unavailable');
    return result;
  };
}

function runTaskState() {
  return async (params: Json) => {
    const override = params.Overrides.ContainerOverrides.find((o: Json) => o.Name === 'fable-build');
    const env: Record<string, string> = Object.fromEntries(override.Environment.map((e: Json) => [e.Name, e.Value]));
    const specBody = bucket.get(`${artifactsBucket}/${env.FABLE_SPEC_KEY}`);
    const run: ContainerRun = { phase: env.FABLE_PHASE, env, params, spec: specBody ? JSON.parse(specBody) : undefined };
    trace.containerRuns.push(run);
    const container = (run.phase === 'core' ? scenario.core : scenario.oi) ?? succeeding(run.phase === 'oi' ? { tools: [toolEntry('dice')] } : {});
    const outcome: ContainerOutcome = specBody ? await container(run) : failing('the spec is missing')(run);
    if (outcome.output) {
      bucket.set(`${artifactsBucket}/builds/${env.FABLE_BUILD_ID}/${run.phase}-output.json`, JSON.stringify(outcome.output));
      // The OI phase uploads each bundle its output lists.
      for (const entry of (outcome.output.tools ?? []) as { toolName?: string; s3Key?: string }[]) {
        if (entry.s3Key && entry.toolName) bucket.set(`${artifactsBucket}/${entry.s3Key}`, bundleOf(entry.toolName));
      }
    }
    const task = {
      TaskArn: `arn:aws:ecs:${FAKE_REGION}:${FAKE_ACCOUNT}:task/fable-dev-builds/0123456789abcdef`,
      LastStatus: 'STOPPED',
      StopCode: 'EssentialContainerExited',
      StoppedReason: 'Essential container in task exited',
      Containers: [{ Name: 'fable-build', ExitCode: outcome.exitCode }],
    };
    // ecs:runTask.sync fails the state when the container exits non-zero; the Cause is the task.
    if (outcome.exitCode !== 0) throw stepFunctionsError('States.TaskFailed', JSON.stringify(task));
    return { Tasks: [task] };
  };
}

function getObjectState() {
  return async ({ Bucket, Key }: Json) => {
    const body = bucket.get(`${Bucket}/${Key}`);
    if (body === undefined) throw stepFunctionsError('S3.NoSuchKeyException', 'The specified key does not exist.');
    return { Body: body, ContentType: 'application/json', ContentLength: body.length };
  };
}

function deployToolState() {
  return async (input: Json) => {
    if (scenario.beforeDeploy && trace.deployCalls.length === 0) {
      trace.deployCalls.push(input.Payload);
      const buildId = currentBuild(input.Payload.payload.userId);
      // An aborted execution never sees this deploy's answer.
      const running = untilStopped(buildId);
      await scenario.beforeDeploy(buildId);
      return running;
    }
    trace.deployCalls.push(input.Payload);
    const result = await invokeLambda(deployer.handler, input.Payload);
    if (scenario.deployFault === 'response-lost' && trace.deployCalls.length === 1) throw stepFunctionsError('Lambda.ServiceException', 'Service unavailable');
    return result;
  };
}

/** The build a user started (each test user starts one). */
const currentBuild = (userId: string) => [...owners.entries()].find(([, owner]) => owner === userId)?.[0] ?? '';

/** The owner approves through build-kickoff's review, with the identity of their connection. */
const ownerDecides =
  (decision: 'approve' | 'reject', reason?: string) =>
  ({ buildId, userId }: { buildId: string; userId: string }) =>
    kickoff({ action: 'review', payload: { buildId, decision, ...(reason ? { reason } : {}), caller: { userId, orgId: 'org-1', orgRole: 'member', groups: [] } } });

/**
 * lambda:invoke.waitForTaskToken: update-build-status runs with the task's token, then the task
 * waits until someone sends that token back (SendTaskSuccess / SendTaskFailure), or times out.
 */
function awaitApprovalState(state: string) {
  return async (input: Json) => {
    const call: Trace['statusCalls'][number] = { state, payload: input.Payload };
    trace.statusCalls.push(call);
    const token = input.Payload.taskToken as string;
    const waiting = new Promise<Json>((resolve, reject) => waitingTasks.set(token, { resolve, reject }));
    call.answer = (await invokeLambda(updateBuildStatus, input.Payload)).Payload;
    const buildId = input.Payload.buildId as string;
    const onReview = scenario.onReview ?? ownerDecides('approve');
    if (onReview === 'timeout') {
      waitingTasks.delete(token);
      throw stepFunctionsError('States.Timeout', 'The task timed out');
    }
    const { userId } = (await buildItem(buildId)) as { userId: string };
    setImmediate(() => void onReview({ buildId, userId }));
    return waiting;
  };
}

function localHandlers(): Record<string, (input: Json) => Promise<Json>> {
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const state of BUILD_PIPELINE_STATES.approvals) handlers[state] = awaitApprovalState(state);
  for (const state of BUILD_PIPELINE_STATES.statusUpdates) handlers[state] = statusUpdateState(state);
  for (const state of BUILD_PIPELINE_STATES.containerRuns) handlers[state] = runTaskState();
  for (const state of BUILD_PIPELINE_STATES.outputReads) handlers[state] = getObjectState();
  for (const state of BUILD_PIPELINE_STATES.toolDeploys) handlers[state] = deployToolState();
  return handlers;
}

/** StartExecution as Step Functions answers it: a name runs at most once. */
async function startExecution(input: StartExecutionCommandInput) {
  const name = input.name as string;
  const existing = executions.get(name);
  if (existing) {
    if (existing.running && existing.input === input.input) return { executionArn: existing.arn, startDate: new Date() };
    throw new ExecutionAlreadyExists({ $metadata: { httpStatusCode: 400 }, message: `Execution Already Exists: '${existing.arn}'` });
  }
  const arn = `${input.stateMachineArn!.replace(':stateMachine:', ':execution:')}:${name}`;
  const execution = machine.run(JSON.parse(input.input as string), {
    overrides: { taskResourceLocalHandlers: localHandlers(), retryIntervalOverrides },
    // Each execution's task token (Step Functions makes one per task; this one has a single callback task).
    context: { Task: { Token: `token-${name}` } },
  });
  const entry = { input: input.input as string, arn, running: true, abort: execution.abort, outcome: Promise.resolve({ status: 'RUNNING' }) };
  entry.outcome = execution.result
    .then(
      () => ({ status: 'SUCCEEDED' }),
      (error: Error & { cause?: Error }) =>
        error.name === 'ExecutionAbortedError' ? { status: 'ABORTED' } : { status: 'FAILED', error: (error.cause ?? error).name },
    )
    .finally(() => {
      entry.running = false;
      waitingTasks.get(`token-${name}`)?.reject(executionStopped());
      waitingTasks.delete(`token-${name}`);
      for (const stop of runningTasks.get(name) ?? []) stop(executionStopped());
      runningTasks.delete(name);
    });
  executions.set(name, entry);
  return { executionArn: arn, startDate: new Date() };
}

const sfnError = (name: string) => new SFNServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: name });

/** SendTaskSuccess / SendTaskFailure: settle the task waiting for that token, if it still waits. */
function answerTask(settle: (task: { resolve: (output: Json) => void; reject: (error: Error) => void }, input: Json) => void) {
  return async (input: Json) => {
    const task = waitingTasks.get(input.taskToken);
    if (!task) throw sfnError('TaskTimedOut');
    waitingTasks.delete(input.taskToken);
    settle(task, input);
    return {};
  };
}

/** StopExecution: the execution is aborted (Step Functions stops a running .sync ECS task itself). */
async function stopExecution(input: Json) {
  const execution = [...executions.values()].find((e) => e.arn === input.executionArn);
  if (!execution) throw sfnError('ExecutionDoesNotExist');
  if (execution.running) execution.abort();
  return { stopDate: new Date() };
}

function retryingStates(states: Record<string, Json>): string[] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Retry ? [name] : []),
    ...(state.Type === 'Map' ? retryingStates(state.ItemProcessor.States) : []),
  ]);
}

beforeAll(async () => {
  const { json, config } = await synthPipelineStack('dev');
  definition = JSON.parse(resolveTokens(json, findResource(json, 'aws_sfn_state_machine', () => true).definition));
  machine = new LocalStateMachine(definition);
  retryIntervalOverrides = Object.fromEntries(retryingStates(definition.States).map((name) => [name, 0]));

  // The handlers get exactly the environment the stack gives them.
  const lambdaEnv = (name: string) =>
    Object.entries(findResource(json, 'aws_lambda_function', (f) => f.function_name === name).environment.variables as Record<string, string>);
  for (const [key, value] of [...lambdaEnv('fable-dev-build-kickoff'), ...lambdaEnv('fable-dev-update-build-status')]) {
    if (key !== 'NODE_OPTIONS') process.env[key] = resolveTokens(json, value);
  }
  artifactsBucket = process.env.ARTIFACTS_BUCKET as string;

  dynamo = await startDynamoLocal();
  for (const table of TABLES) await dynamo.client.send(new CreateTableCommand(createTableInput(table, `fable-dev-${table.component}`)));

  // Loaded only now: a handler reads its environment when its module loads.
  kickoff = (require('../../lambdas/build-kickoff/index') as typeof KickoffModule).handler;
  updateBuildStatus = (require('../../lambdas/update-build-status/index') as typeof UpdateBuildStatusModule).handler;
  deployer = new RealToolDeployer(toolDeployerEnvironment(json, config), dynamoDocumentClient());
});

afterAll(async () => {
  await deployer.settled();
  deployer.lambda.mock.restore();
  dynamoDocumentClient().destroy();
  await dynamo.stop();
});

beforeEach(async () => {
  await deployer.reset();
  scenario = {};
  trace = { containerRuns: [], statusCalls: [], deployCalls: [] };
  s3Mock.reset().on(PutObjectCommand).callsFake(async (input) => {
    const key = `${input.Bucket}/${input.Key}`;
    if (input.IfNoneMatch === '*' && bucket.has(key)) {
      throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' });
    }
    bucket.set(key, input.Body as string);
    return { ETag: '"etag"' };
  });
  s3Mock.on(GetObjectCommand).callsFake(async (input) => {
    const body = bucket.get(`${input.Bucket}/${input.Key}`);
    if (body === undefined) throw new S3ServiceException({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'NoSuchKey' });
    return { Body: Readable.from([Buffer.from(body)]) };
  });
  sfnMock.reset().on(StartExecutionCommand).callsFake(startExecution);
  sfnMock.on(SendTaskSuccessCommand).callsFake(answerTask((task, input) => task.resolve(JSON.parse(input.output))));
  sfnMock.on(SendTaskFailureCommand).callsFake(answerTask((task, input) => task.reject(stepFunctionsError(input.error, input.cause))));
  sfnMock.on(StopExecutionCommand).callsFake(stopExecution);
  websocketMock.reset().on(PostToConnectionCommand).resolves({});
});

afterEach(() => jest.restoreAllMocks());

// ---------------------------------------------------------------- helpers

let userCounter = 0;

/** A user with one open WebSocket connection. */
async function connectedUser(): Promise<{ userId: string; connectionId: string }> {
  userCounter += 1;
  const user = { userId: `user-${userCounter}`, connectionId: `conn-${userCounter}` };
  await dynamo.doc.send(new PutCommand({ TableName: 'fable-dev-connections', Item: { ...user, orgId: 'org-1' } }));
  return user;
}

async function startBuild(scenarioForBuild: Scenario, payload: Record<string, string> = {}) {
  scenario = scenarioForBuild;
  const user = await connectedUser();
  const started = await kickoff({
    action: 'start',
    payload: { request: 'Build a tool that rolls dice', userId: user.userId, orgId: 'org-1', connectionId: user.connectionId, ...payload },
  });
  expect(started).toEqual({ success: true, buildId: expect.any(String), status: 'pending' });
  owners.set(started.buildId, user.userId);
  const execution = executions.get(started.buildId);
  if (!execution) throw new Error('build-kickoff did not start an execution');
  const outcome = await execution.outcome;
  await deployer.settled();
  return { ...user, buildId: started.buildId as string, execution: outcome };
}

/** The audit events about one build, in time order. */
async function buildEvents(buildId: string) {
  const events = (await auditEvents(dynamo.doc, 'fable-dev-audit')).filter((event) => event.target === `build:${buildId}`);
  return events.sort((a, b) => a.SK.localeCompare(b.SK));
}

async function buildItem(buildId: string) {
  const { Item } = await dynamo.doc.send(new GetCommand({ TableName: 'fable-dev-builds', Key: { PK: `BUILD#${buildId}`, SK: 'META' } }));
  return Item;
}

/** build_status frames the connection received, as {status, phase}. */
function framesTo(connectionId: string) {
  return websocketMock
    .commandCalls(PostToConnectionCommand)
    .filter((c) => c.args[0].input.ConnectionId === connectionId)
    .map((c) => JSON.parse(Buffer.from(c.args[0].input.Data as Uint8Array).toString('utf8')));
}

/**
 * The build's error when the deployer refuses a tool: the Map's Cause, `tool <name> was not
 * deployed: <the deployer's answer as JSON>`. aws-local-stepfunctions 3.0 strips every backslash
 * from an intrinsic function's result, so quotes inside the answer's message arrive unescaped
 * (real Step Functions keeps `\"`).
 */
const refusedToolError = (toolName: string, refusal: { code: string; message: string }) =>
  `FABLE.ToolDeployFailed: tool ${toolName} was not deployed: ${JSON.stringify({ success: false, error: refusal }).replaceAll('\\', '')}`;

const frame = (buildId: string, status: string, phase?: string) => ({
  type: 'build_status',
  payload: { buildId, status, ...(phase ? { phase } : {}) },
});

/** The build_review frame for these tools, each by the SHA-256 of the bundle the OI phase uploaded. */
const reviewFrame = (buildId: string, toolNames: string[], summary = 'The build did not describe its tools.') => ({
  type: 'build_review',
  payload: {
    buildId,
    tools: toolNames.map((toolName) => ({ toolName, sha256: sha256(bundleOf(toolName)), description: `The ${toolName} tool`, inputSchema: { type: 'object' } })),
    summary,
  },
});

/** The frames of a build that is approved and deployed. */
const approvedFrames = (buildId: string, toolNames: string[]) => [
  frame(buildId, 'running', 'core'),
  frame(buildId, 'running', 'oi'),
  frame(buildId, 'awaiting_approval', 'oi'),
  reviewFrame(buildId, toolNames),
  frame(buildId, 'deploying', 'deploy'),
];

// ---------------------------------------------------------------- scenarios

describe('build pipeline, end to end', () => {
  test('both phases succeed and the tools deploy: the build completes with the deployed tools', async () => {
    const { buildId, userId, connectionId, execution } = await startBuild({
      oi: succeeding({ tools: [toolEntry('dice'), toolEntry('coin')] }),
    });

    expect(execution).toEqual({ status: 'SUCCEEDED' });
    const status = await kickoff({ action: 'status', payload: { buildId, userId, orgId: 'org-1' } });
    expect(status).toEqual({
      success: true,
      build: {
        buildId,
        status: 'completed',
        phase: 'deploy',
        userId,
        orgId: 'org-1',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        result: { tools: [deployedTool('dice'), deployedTool('coin')] },
      },
    });
    expect(await buildItem(buildId)).toMatchObject({ startedAt: expect.any(String), completedAt: expect.any(String) });
    expect(framesTo(connectionId)).toEqual([...approvedFrames(buildId, ['dice', 'coin']), frame(buildId, 'completed', 'deploy')]);
    // The owner's approval is on the build, each tool by the hash it was deployed with, and in the audit trail.
    expect(await buildItem(buildId)).toMatchObject({
      decision: { decision: 'approve', by: `user:${userId}` },
      approvedTools: { dice: sha256(bundleOf('dice')), coin: sha256(bundleOf('coin')) },
    });
    expect(await buildItem(buildId)).not.toHaveProperty('approvalToken');
    expect((await buildEvents(buildId)).map((event) => [event.type, event.actor])).toEqual([
      ['build_started', `user:${userId}`],
      ['build_approved', `user:${userId}`],
      ['build_completed', 'service:build-pipeline'],
    ]);

    // Each container got its phase, the build and the spec key only, and found the spec in S3.
    expect(trace.containerRuns.map((r) => r.env)).toEqual(
      ['core', 'oi'].map((phase) => ({ FABLE_PHASE: phase, FABLE_BUILD_ID: buildId, FABLE_SPEC_KEY: `builds/${buildId}/spec.json` })),
    );
    expect(trace.containerRuns[0].spec).toMatchObject({ buildId, request: 'Build a tool that rolls dice', userId, orgId: 'org-1' });
    expect(trace.containerRuns[0].params).toMatchObject({
      Cluster: `arn:aws:ecs:${FAKE_REGION}:${FAKE_ACCOUNT}:cluster/fable-dev-builds`,
      TaskDefinition: `arn:aws:ecs:${FAKE_REGION}:${FAKE_ACCOUNT}:task-definition/fable-dev-build:1`,
      LaunchType: 'FARGATE',
    });
    expect(trace.deployCalls).toEqual(
      ['dice', 'coin'].map((toolName) => {
        const { s3Key, schema } = toolEntry(toolName);
        return { action: 'deploy', payload: { toolName, s3Key, sha256: sha256(bundleOf(toolName)), schema, orgId: 'org-1', userId, buildId, approvedBy: `user:${userId}` } };
      }),
    );

    // The tools are real: recorded for the build's org and user, and running behind AWS_IAM URLs.
    for (const toolName of ['dice', 'coin']) {
      const { s3Key, schema } = toolEntry(toolName);
      expect(await deployer.toolRecord(toolName)).toMatchObject({
        PK: `TOOL#${toolName}`,
        SK: 'META',
        GSI1PK: 'ORG#org-1',
        GSI1SK: `TOOL#${toolName}`,
        ...deployedTool(toolName),
        orgId: 'org-1',
        userId,
        s3Key,
        schema,
      });
    }
    const byFunctionName = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.FunctionName).localeCompare(String(b.FunctionName));
    expect(deployer.lambda.inputsOf('CreateFunction').sort(byFunctionName)).toEqual(
      ['coin', 'dice'].map((toolName) =>
        expect.objectContaining({
          FunctionName: `fable-dev-tool-${toolName}`,
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          Role: `arn:aws:iam::${FAKE_ACCOUNT}:role/fable-dev-tool-execution`,
          Code: { S3Bucket: `fable-dev-artifacts-${FAKE_ACCOUNT}`, S3Key: toolEntry(toolName).s3Key },
          Tags: { 'fable:stage': 'dev', 'fable:org': 'org-1', 'fable:tool': toolName },
        }),
      ),
    );
    expect(deployer.lambda.inputsOf('CreateFunctionUrlConfig').sort(byFunctionName)).toEqual(
      ['coin', 'dice'].map((toolName) => ({ FunctionName: `fable-dev-tool-${toolName}`, Qualifier: 'live', AuthType: 'AWS_IAM' })),
    );
  });

  test.each([
    ['exits non-zero after uploading its failure record', failing('the tests did not pass')],
    ['exits zero but reports a failure', ({ phase, env }: ContainerRun) => ({ output: { status: 'failed', phase, buildId: env.FABLE_BUILD_ID, error: 'the tests did not pass' }, exitCode: 0 })],
  ])('the core phase %s: the build fails in core with its reason, oi never runs', async (_label, core) => {
    const { buildId, connectionId, execution } = await startBuild({ core });

    expect(execution).toEqual({ status: 'FAILED', error: 'FABLE.CorePhaseFailed' });
    expect(await buildItem(buildId)).toMatchObject({
      status: 'failed',
      phase: 'core',
      error: 'FABLE.CorePhaseFailed: the tests did not pass',
      failedAt: expect.any(String),
    });
    expect(trace.containerRuns.map((r) => r.phase)).toEqual(['core']);
    expect(framesTo(connectionId)).toEqual([frame(buildId, 'running', 'core'), frame(buildId, 'failed', 'core')]);
  });

  test('the oi container is killed before it can upload anything: the build fails in oi with the ECS reason', async () => {
    const { buildId, connectionId, execution } = await startBuild({ oi: killed });

    expect(execution).toEqual({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(await buildItem(buildId)).toMatchObject({
      status: 'failed',
      phase: 'oi',
      error: 'States.TaskFailed: Essential container in task exited',
    });
    expect(trace.deployCalls).toEqual([]);
    expect(framesTo(connectionId)).toEqual([
      frame(buildId, 'running', 'core'),
      frame(buildId, 'running', 'oi'),
      frame(buildId, 'failed', 'oi'),
    ]);
  });

  interface Refusal {
    readonly reason: string;
    /** The OI output's entry for coin. */
    readonly coin: Record<string, Json>;
    /** What exists before the build. */
    readonly arrange: () => Promise<unknown>;
    readonly refusal: { readonly code: string; readonly message: string };
  }
  const refusals: Refusal[] = [
    {
      reason: 'another organization owns its name',
      coin: toolEntry('coin'),
      arrange: () => {
        bucket.set(`${artifactsBucket}/${toolEntry('coin').s3Key}`, bundleOf('coin'));
        return deployer.handler({ action: 'deploy', payload: { ...toolEntry('coin'), sha256: sha256(bundleOf('coin')), orgId: 'org-2', userId: 'user-x' } });
      },
      refusal: { code: 'CONFLICT', message: 'Tool coin belongs to another organization' },
    },
  ];
  test.each(refusals)('the deployer refuses a tool because $reason: the build fails in deploy with that error, and the tool is untouched', async ({ coin, arrange, refusal }) => {
    await arrange();
    const coinBefore = await deployer.toolRecord('coin');
    deployer.lambda.clearHistory();

    const { buildId, connectionId, execution } = await startBuild({ oi: succeeding({ tools: [toolEntry('dice'), coin] }) });

    expect(execution).toEqual({ status: 'FAILED', error: 'FABLE.ToolDeployFailed' });
    const item = await buildItem(buildId);
    expect(item).toMatchObject({
      status: 'failed',
      phase: 'deploy',
      error: refusedToolError('coin', refusal),
    });
    expect(item).not.toHaveProperty('result');
    expect(framesTo(connectionId)).toEqual([...approvedFrames(buildId, ['dice', 'coin']), frame(buildId, 'failed', 'deploy')]);
    // Refused before any Lambda call: coin's record (absent, or the other org's) is as it was.
    expect(deployer.lambda.sent().filter((c) => c.input.FunctionName === 'fable-dev-tool-coin')).toEqual([]);
    expect(await deployer.toolRecord('coin')).toEqual(coinBefore);
    // The Map stops at coin's refusal, but dice's deploy was already under way and completes:
    // a failed build leaves the tools that did deploy in place (the pipeline has no rollback).
    expect(await deployer.toolRecord('dice')).toMatchObject({ orgId: 'org-1', version: 1 });
  });

  test('a tool function never becomes Active: the build fails in deploy, and running the same deploy again resumes it', async () => {
    deployer.lambda.pollsUntilActive = Infinity;
    deployer.useShortWaits();
    const warn = captureOutput();

    const { buildId, execution } = await startBuild({ oi: succeeding({ tools: [toolEntry('coin')] }) });

    expect(execution).toEqual({ status: 'FAILED', error: 'FABLE.ToolDeployFailed' });
    const refusal = { code: 'INTERNAL', message: 'fable-dev-tool-coin did not become active in time; deploy again to resume' };
    expect(await buildItem(buildId)).toMatchObject({
      status: 'failed',
      phase: 'deploy',
      error: refusedToolError('coin', refusal),
    });
    expect(warn.logs()).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'tool function not ready', functionName: 'fable-dev-tool-coin' }));
    // The function was created but never got a URL or a record.
    expect(deployer.lambda.sentNames()).not.toContain('CreateFunctionUrlConfig');
    expect(await deployer.toolRecord('coin')).toBeUndefined();

    // Lambda finishes activating it; the build's deploy, run again, adopts it instead of creating another.
    deployer.lambda.functions.get('fable-dev-tool-coin')!.pendingPolls = 0;
    deployer.lambda.clearHistory();
    await expect(deployer.handler(trace.deployCalls[0])).resolves.toEqual({ success: true, tool: deployedTool('coin') });
    expect(deployer.lambda.sentNames()).not.toContain('CreateFunction');
    expect(deployer.lambda.inputsOf('CreateFunctionUrlConfig')).toEqual([{ FunctionName: 'fable-dev-tool-coin', Qualifier: 'live', AuthType: 'AWS_IAM' }]);
    expect(await deployer.toolRecord('coin')).toMatchObject({ ...deployedTool('coin'), orgId: 'org-1' });
  });

  test('a deploy whose answer was lost is retried: the retry adopts the function the first call made, and the build completes', async () => {
    const { buildId, execution } = await startBuild({ oi: succeeding({ tools: [toolEntry('dice')] }), deployFault: 'response-lost' });

    expect(execution).toEqual({ status: 'SUCCEEDED' });
    expect(trace.deployCalls).toHaveLength(2);
    expect(trace.deployCalls[1]).toEqual(trace.deployCalls[0]);
    // One function with one URL: the retry updated what the first call created.
    expect([...deployer.lambda.functions.keys()]).toEqual(['fable-dev-tool-dice']);
    expect(deployer.lambda.inputsOf('CreateFunction')).toHaveLength(1);
    expect(deployer.lambda.inputsOf('CreateFunctionUrlConfig')).toHaveLength(1);
    expect(deployer.lambda.inputsOf('UpdateFunctionCode')).toEqual([
      { FunctionName: 'fable-dev-tool-dice', S3Bucket: `fable-dev-artifacts-${FAKE_ACCOUNT}`, S3Key: toolEntry('dice').s3Key, Architectures: ['arm64'] },
    ]);
    // One whole record; its version counts both deploy calls, and the build reports that version.
    expect(await deployer.toolRecord('dice')).toMatchObject({ ...deployedTool('dice', 2), orgId: 'org-1' });
    expect(await buildItem(buildId)).toMatchObject({ status: 'completed', result: { tools: [deployedTool('dice', 2)] } });
  });

  test('a status update whose first call is throttled is retried and the build completes', async () => {
    const { buildId, connectionId, execution } = await startBuild({
      oi: succeeding({ tools: [toolEntry('dice')] }),
      statusFault: { state: 'MarkOiRunning', fault: 'dynamo-throttled' },
    });

    expect(execution).toEqual({ status: 'SUCCEEDED' });
    const oiCalls = trace.statusCalls.filter((c) => c.state === 'MarkOiRunning');
    expect(oiCalls.map((c) => c.answer)).toEqual([
      undefined,
      { success: true, build: { buildId, status: 'running', phase: 'oi' }, notified: { sent: 1, gone: 0, failed: 0 } },
    ]);
    expect(await buildItem(buildId)).toMatchObject({ status: 'completed', phase: 'deploy' });
    expect(framesTo(connectionId)).toEqual([...approvedFrames(buildId, ['dice']), frame(buildId, 'completed', 'deploy')]);
  });

  test('a status update whose answer was lost is retried, its CONFLICT counts as done, and the build completes', async () => {
    const { buildId, connectionId, execution } = await startBuild({
      statusFault: { state: 'MarkCoreRunning', fault: 'response-lost' },
    });

    expect(execution).toEqual({ status: 'SUCCEEDED' });
    const answers = trace.statusCalls.filter((c) => c.state === 'MarkCoreRunning').map((c) => c.answer);
    expect(answers).toEqual([
      expect.objectContaining({ success: true }),
      { success: false, error: { code: 'CONFLICT', message: `Build ${buildId} is running (core); it cannot move to running (core)` } },
    ]);
    expect(await buildItem(buildId)).toMatchObject({ status: 'completed', result: { tools: [deployedTool('dice')] } });
    // The frame for core was sent once, by the call that stored the status.
    expect(framesTo(connectionId)).toEqual([...approvedFrames(buildId, ['dice']), frame(buildId, 'completed', 'deploy')]);
  });

  test('a duplicate kickoff returns the same build and never runs a second execution', async () => {
    const payload = { idempotencyKey: 'request-7' };
    const first = await startBuild({ oi: succeeding({ tools: [toolEntry('dice')] }) }, payload);
    const again = await kickoff({
      action: 'start',
      payload: { request: 'Build a tool that rolls dice', userId: first.userId, orgId: 'org-1', ...payload },
    });

    expect(first.execution).toEqual({ status: 'SUCCEEDED' });
    expect(again).toEqual({ success: true, buildId: first.buildId, status: 'completed' });
    expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([first.buildId]);
    expect(trace.containerRuns.map((r) => r.phase)).toEqual(['core', 'oi']);
    expect(trace.deployCalls).toHaveLength(1);
  });

  test('concurrent duplicate kickoffs name one build and run one execution', async () => {
    scenario = {};
    const user = await connectedUser();
    const payload = { request: 'Build a tool that flips coins', userId: user.userId, orgId: 'org-1', idempotencyKey: 'request-8' };
    const [first, second] = await Promise.all([kickoff({ action: 'start', payload }), kickoff({ action: 'start', payload })]);

    expect(second.buildId).toBe(first.buildId);
    const outcome = await executions.get(first.buildId)?.outcome;
    expect(outcome).toEqual({ status: 'SUCCEEDED' });
    // Whichever kickoff lost the race either saw the build running or re-sent the identical start.
    const starts = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(starts.map((s) => `${s.name}|${s.input}`))).toEqual(new Set([`${first.buildId}|${starts[0].input}`]));
    expect(trace.containerRuns.map((r) => r.phase)).toEqual(['core', 'oi']);
    expect(await buildItem(first.buildId)).toMatchObject({ status: 'completed' });
  });

});

describe('a person approves the exact artifacts; any build can be stopped', () => {
  const callerOf = async (buildId: string) => ({ userId: ((await buildItem(buildId)) as { userId: string }).userId, orgId: 'org-1', orgRole: 'member', groups: [] });
  const cancelAsOwner = async (buildId: string) => kickoff({ action: 'cancel', payload: { buildId, caller: await callerOf(buildId) } });

  test('the owner rejects: the build ends rejected with the reason, build_rejected is recorded, nothing is deployed', async () => {
    const { buildId, userId, connectionId, execution } = await startBuild({
      oi: succeeding({ tools: [toolEntry('dice')] }),
      onReview: ownerDecides('reject', 'Not what I asked for'),
    });

    expect(execution).toEqual({ status: 'FAILED', error: 'FABLE.BuildRejected' });
    expect(await buildItem(buildId)).toMatchObject({ status: 'rejected', error: 'Rejected by its reviewer: Not what I asked for', decision: { decision: 'reject' } });
    expect(await buildItem(buildId)).not.toHaveProperty('approvalToken');
    expect(trace.deployCalls).toEqual([]);
    expect(deployer.lambda.sent()).toEqual([]);
    expect(framesTo(connectionId)).toEqual(approvedFrames(buildId, ['dice']).slice(0, 4));
    expect((await buildEvents(buildId)).map((event) => [event.type, event.actor])).toEqual([
      ['build_started', `user:${userId}`],
      ['build_rejected', `user:${userId}`],
    ]);
  });

  test('no decision within the approval timeout: the build is rejected (timeout) by the pipeline, nothing is deployed', async () => {
    const { buildId, connectionId, execution } = await startBuild({ oi: succeeding({ tools: [toolEntry('dice')] }), onReview: 'timeout' });

    expect(execution).toEqual({ status: 'FAILED', error: 'FABLE.ApprovalTimedOut' });
    expect(await buildItem(buildId)).toMatchObject({ status: 'rejected', error: 'FABLE.ApprovalTimedOut: no decision within 24 hours' });
    expect(await buildItem(buildId)).not.toHaveProperty('approvalToken');
    expect(trace.deployCalls).toEqual([]);
    expect(framesTo(connectionId)).toEqual([...approvedFrames(buildId, ['dice']).slice(0, 4), frame(buildId, 'rejected', 'oi')]);
    const rejected = (await buildEvents(buildId)).filter((event) => event.type === 'build_rejected');
    expect(rejected).toMatchObject([{ actor: 'service:build-pipeline', outcome: 'failure', detail: { reason: 'approval_timeout' } }]);
    // A decision arriving late changes nothing.
    expect(await kickoff({ action: 'review', payload: { buildId, decision: 'approve', caller: await callerOf(buildId) } })).toMatchObject({
      success: false,
      error: { code: 'CONFLICT' },
    });
  });

  test('a tool whose schema Bedrock would refuse ($ref) is refused when the artifacts are recorded: never reviewed, never deployed', async () => {
    const coin = {
      ...toolEntry('coin'),
      schema: { name: 'coin', description: 'Flips a coin', inputSchema: { type: 'object', properties: { side: { $ref: '#/$defs/side' } } } },
    };
    const { buildId, connectionId, execution } = await startBuild({ oi: succeeding({ tools: [toolEntry('dice'), coin] }) });

    expect(execution).toEqual({ status: 'FAILED', error: 'FABLE.StatusUpdateRejected' });
    expect(await buildItem(buildId)).toMatchObject({ status: 'failed', phase: 'oi' });
    expect((await buildItem(buildId))?.error).toContain('inputSchema must not use');
    expect(await buildItem(buildId)).not.toHaveProperty('review');
    expect(framesTo(connectionId)).toEqual([frame(buildId, 'running', 'core'), frame(buildId, 'running', 'oi'), frame(buildId, 'failed', 'oi')]);
    expect(trace.deployCalls).toEqual([]);
  });

  test('someone who neither owns the build nor administers its org cannot approve it', async () => {
    let refusal: unknown;
    const { buildId, execution } = await startBuild({
      oi: succeeding({ tools: [toolEntry('dice')] }),
      onReview: async (build) => {
        refusal = await kickoff({ action: 'review', payload: { buildId: build.buildId, decision: 'approve', caller: { userId: 'mallory', orgId: 'org-1', orgRole: 'member', groups: [] } } });
        return ownerDecides('reject')(build);
      },
    });
    expect(refusal).toEqual({ success: false, error: { code: 'FORBIDDEN', message: 'only the build\'s owner or an admin of its org may do this' } });
    expect(execution).toEqual({ status: 'FAILED', error: 'FABLE.BuildRejected' });
    expect((await buildEvents(buildId)).map((event) => [event.type, event.actor])).toContainEqual(['forbidden', 'user:mallory']);
  });

  test('a bundle changed after it was reviewed is never deployed: the build fails in deploy, no function, no tool record', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { buildId, execution } = await startBuild({
      oi: succeeding({ tools: [toolEntry('dice')] }),
      onReview: async (build) => {
        // The bytes under the reviewed key are replaced; the owner approves what the review showed.
        bucket.set(`${artifactsBucket}/${toolEntry('dice').s3Key}`, 'a swapped bundle');
        return ownerDecides('approve')(build);
      },
    });

    expect(execution).toEqual({ status: 'FAILED', error: 'FABLE.ToolDeployFailed' });
    const refusal = {
      code: 'CONFLICT',
      message: `The bundle of dice is not the approved one (its SHA-256 is ${sha256('a swapped bundle')}, not ${sha256(bundleOf('dice'))}); nothing was deployed`,
    };
    expect(await buildItem(buildId)).toMatchObject({ status: 'failed', phase: 'deploy', error: refusedToolError('dice', refusal) });
    expect(trace.deployCalls.map((call) => (call as { payload: { sha256: string } }).payload.sha256)).toEqual([sha256(bundleOf('dice'))]);
    expect(deployer.lambda.sent()).toEqual([]);
    expect(await deployer.toolRecord('dice')).toBeUndefined();
    warn.mockRestore();
  });

  const cancellations: { phase: string; scenario: (cancelled: (answer: unknown) => void) => Scenario; status: string }[] = [
    {
      phase: 'core',
      status: 'running',
      scenario: (cancelled) => ({ core: async ({ env }) => (cancelled(await cancelAsOwner(env.FABLE_BUILD_ID)), untilStopped(env.FABLE_BUILD_ID)) }),
    },
    {
      phase: 'oi',
      status: 'running',
      scenario: (cancelled) => ({ oi: async ({ env }) => (cancelled(await cancelAsOwner(env.FABLE_BUILD_ID)), untilStopped(env.FABLE_BUILD_ID)) }),
    },
    {
      phase: 'review',
      status: 'awaiting_approval',
      scenario: (cancelled) => ({ oi: succeeding({ tools: [toolEntry('dice')] }), onReview: async ({ buildId }) => cancelled(await cancelAsOwner(buildId)) }),
    },
    {
      phase: 'deploy',
      status: 'deploying',
      scenario: (cancelled) => ({ oi: succeeding({ tools: [toolEntry('dice')] }), beforeDeploy: async (buildId) => cancelled(await cancelAsOwner(buildId)) }),
    },
  ];
  test.each(cancellations)('a cancel during $phase stops the execution and ends the build cancelled, recorded once', async ({ scenario: during, status }) => {
    let answer: unknown;
    const { buildId, execution } = await startBuild(during((cancelled) => (answer = cancelled)));

    expect(answer).toEqual({ success: true, buildId, status: 'cancelled' });
    expect(execution).toEqual({ status: 'ABORTED' });
    const item = await buildItem(buildId);
    expect(item).toMatchObject({ status: 'cancelled', cancelledAt: expect.any(String), error: 'Cancelled by its owner' });
    expect(item).not.toHaveProperty('approvalToken');
    expect(sfnMock.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([executions.get(buildId)?.arn]);
    const cancelled = (await buildEvents(buildId)).filter((event) => event.type === 'build_cancelled');
    expect(cancelled).toMatchObject([{ actor: `user:${item?.userId}`, detail: { status } }]);
    expect(deployer.lambda.sent()).toEqual([]);
    // Cancelling again changes nothing and still answers cancelled.
    expect(await cancelAsOwner(buildId)).toEqual({ success: true, buildId, status: 'cancelled' });
    expect((await buildEvents(buildId)).filter((event) => event.type === 'build_cancelled')).toHaveLength(1);
  });
});
