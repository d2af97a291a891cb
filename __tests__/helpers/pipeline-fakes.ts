/**
 * In-test stand-ins for what the build pipeline's task states call, wired into
 * aws-local-stepfunctions by state name. Each fake behaves like the service integration does
 * in Step Functions: lambda:invoke wraps the handler's answer in {Payload, StatusCode}, a
 * non-zero container exit fails ecs:runTask.sync with States.TaskFailed, getObject returns
 * {Body: string} or fails with S3.NoSuchKeyException.
 */
import type { StateMachine as LocalStateMachineClass } from 'aws-local-stepfunctions' with { 'resolution-mode': 'import' };
import type { AslStateMachine } from '../../src/asl';
import { BUILD_PIPELINE_STATES, type BuildPipelineProps, buildPipelineDefinition } from '../../src/pipeline/build-pipeline-definition';
import { phaseDeadlines } from '../../src/config';
import type { ArnFormatter } from '../../src/platform/aws-environment';
import { BUILD_PHASES } from '../../lambdas/shared/contract';
import type {
  BuildPhase,
  DeployedTool,
  DirectResponse,
  PipelineInput,
  ToolDeployEvent,
  UpdateBuildStatusEvent,
} from '../../lambdas/shared/contract';

// The package is ESM with a CommonJS build; jest runs CommonJS, so it loads that build.
const { StateMachine: LocalStateMachine } = require('aws-local-stepfunctions') as { StateMachine: typeof LocalStateMachineClass };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** An error as Step Functions names it (`error.name` is what Retry / Catch match). */
export class AwsError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** ARNs in a partition, region and account, like AwsEnvironment forms them. */
export function arnFormatter(partition: string, region: string, account: string): ArnFormatter {
  return {
    partition,
    arn: (parts) => `arn:${partition}:${parts.service}:${parts.region ?? region}:${parts.account ?? account}:${parts.resource}`,
  };
}

const PHASES = phaseDeadlines({ coreTimeoutSeconds: 3600, oiTimeoutSeconds: 2400 });

export const TOKENS: BuildPipelineProps = {
  aws: arnFormatter('${TfToken[TOKEN.1]}', '${TfToken[TOKEN.10]}', '${TfToken[TOKEN.11]}'),
  updateBuildStatusFunctionArn: '${TfToken[TOKEN.2]}',
  toolDeployerFunctionArn: '${TfToken[TOKEN.3]}',
  cluster: { arn: '${TfToken[TOKEN.4]}', name: 'fable-dev-builds' },
  taskDefinition: { arn: '${TfToken[TOKEN.5]}', containerName: 'fable-build', roleArns: ['${TfToken[TOKEN.12]}', '${TfToken[TOKEN.13]}'] },
  subnetIds: ['${TfToken[TOKEN.6]}', '${TfToken[TOKEN.7]}'],
  securityGroupIds: ['${TfToken[TOKEN.8]}'],
  artifactsBucket: '${TfToken[TOKEN.9]}',
  phases: PHASES,
  timeoutSeconds: 7200,
  requireApproval: true,
  approvalTimeoutSeconds: 86400,
};

/** What the definition looks like once Terraform has resolved the tokens. */
export const REAL: BuildPipelineProps = {
  aws: arnFormatter('aws', 'us-west-2', '123456789012'),
  updateBuildStatusFunctionArn: 'arn:aws:lambda:us-west-2:123456789012:function:fable-dev-update-build-status',
  toolDeployerFunctionArn: 'arn:aws:lambda:us-west-2:123456789012:function:fable-dev-tool-deployer',
  cluster: { arn: 'arn:aws:ecs:us-west-2:123456789012:cluster/fable-dev-builds', name: 'fable-dev-builds' },
  taskDefinition: {
    arn: 'arn:aws:ecs:us-west-2:123456789012:task-definition/fable-dev-build:7',
    containerName: 'fable-build',
    roleArns: ['arn:aws:iam::123456789012:role/fable-dev-build-task', 'arn:aws:iam::123456789012:role/fable-dev-build-task-execution'],
  },
  subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
  securityGroupIds: ['sg-0ccc3333'],
  artifactsBucket: 'fable-dev-artifacts-123456789012',
  phases: PHASES,
  timeoutSeconds: 7200,
  requireApproval: true,
  approvalTimeoutSeconds: 86400,
};

/** Each token of TOKENS with the value REAL has in its place. */
export const TOKEN_VALUES: readonly (readonly [string, string])[] = [
  [TOKENS.aws.partition, REAL.aws.partition],
  [TOKENS.updateBuildStatusFunctionArn, REAL.updateBuildStatusFunctionArn],
  [TOKENS.toolDeployerFunctionArn, REAL.toolDeployerFunctionArn],
  [TOKENS.cluster.arn, REAL.cluster.arn],
  [TOKENS.taskDefinition.arn, REAL.taskDefinition.arn],
  ...TOKENS.subnetIds.map((token, i) => [token, REAL.subnetIds[i]] as const),
  ...TOKENS.securityGroupIds.map((token, i) => [token, REAL.securityGroupIds[i]] as const),
  [TOKENS.artifactsBucket, REAL.artifactsBucket],
];

export interface ContainerRun {
  readonly phase: string;
  readonly env: Readonly<Record<string, string>>;
  readonly params: JsonObject;
}
/** A container: returns the record it uploads (if any) and its exit code; throwing = ECS could not run it. */
export type Container = (run: ContainerRun) => Promise<{ output?: JsonObject; exitCode: number }> | { output?: JsonObject; exitCode: number };
export type ToolDeployer = (event: ToolDeployEvent) => DirectResponse<{ tool: DeployedTool }>;
/** A tool as RecordArtifacts answers it: with the SHA-256 of its bundle. */
export type ReviewedTool = Tool & { sha256: string };
/**
 * The person asked to decide (build-kickoff's `review` answering the task token): the output the
 * AwaitApproval task gets, or an error to fail it with; a promise that never settles is no answer.
 */
export type Reviewer = (request: { taskToken: string; tools: ReviewedTool[] }) => Promise<Json>;

export interface Tool {
  toolName: string;
  s3Key: string;
  schema: { name: string; description: string; inputSchema: JsonObject };
}

export function tool(toolName: string): Tool {
  return {
    toolName,
    s3Key: `tools/${toolName}/0f3c.zip`,
    schema: { name: toolName, description: `The ${toolName} tool`, inputSchema: { type: 'object' } },
  };
}

export const succeeding =
  (extra: JsonObject = {}): Container =>
  () => ({ output: { status: 'success', ...extra }, exitCode: 0 });

/** Like entrypoint.sh: a failure record is uploaded by the trap, then the container exits non-zero. */
export const failing =
  (error: string): Container =>
  () => ({ output: { status: 'failed', error }, exitCode: 1 });

const deployed = (toolName: string): DeployedTool => ({
  toolName,
  functionName: `fable-dev-tool-${toolName}`,
  functionArn: `arn:aws:lambda:us-west-2:123456789012:function:fable-dev-tool-${toolName}`,
  functionUrl: `https://${toolName}.lambda-url.us-west-2.on.aws/`,
  version: 1,
});

export const deployAll: ToolDeployer = (event) => ({ success: true, tool: deployed(event.payload.toolName) });

/** A stand-in hash of a bundle: 64 hex digits derived from its key. */
export const fakeSha256 = (s3Key: string) => Buffer.from(s3Key).toString('hex').padEnd(64, '0').slice(0, 64);

/** Who approves in these tests, as build-kickoff's `review` names the approver (an audit reference). */
export const APPROVER = 'user:user-1';
/** Approves exactly what was recorded, as build-kickoff's `review` sends it. */
export const approveAll: Reviewer = async ({ tools }) => ({ tools, approvedBy: APPROVER }) as unknown as Json;
/** Rejects, as build-kickoff's `review` fails the task. */
export const rejectAll: Reviewer = async () => {
  throw new AwsError('FABLE.BuildRejected', 'The build was rejected by its reviewer.');
};
/** Never answers: the task times out. */
export const noAnswer: Reviewer = () => new Promise(() => undefined);

export interface FakeOptions {
  core?: Container;
  oi?: Container;
  deployer?: ToolDeployer;
  reviewer?: Reviewer;
}

/** The task token the local machine's context object holds (`$$.Task.Token`). */
export const TASK_TOKEN_VALUE = 'task-token-1';

/** Which statuses each status may be entered from (DESIGN.md section 5). */
const ENTERED_FROM: Record<string, readonly string[]> = {
  running: ['pending', 'running'],
  awaiting_approval: ['running', 'awaiting_approval'],
  deploying: ['running', 'awaiting_approval'],
  completed: ['deploying'],
  failed: ['pending', 'running', 'awaiting_approval', 'deploying'],
  rejected: ['pending', 'running', 'awaiting_approval', 'deploying'],
  cancelled: ['pending', 'running', 'awaiting_approval', 'deploying'],
};

/**
 * update-build-status semantics (DESIGN.md section 5): known builds only, status only moves
 * forward (running -> running only into a later phase); anything else is a CONFLICT.
 */
class BuildTable {
  readonly status = new Map<string, string>();
  private readonly phase = new Map<string, BuildPhase>();

  update(event: UpdateBuildStatusEvent): DirectResponse {
    const current = this.status.get(event.buildId);
    if (current === undefined) return { success: false, error: { code: 'NOT_FOUND', message: 'no such build' } };
    const currentPhase = this.phase.get(event.buildId);
    const laterPhase = event.phase !== undefined && currentPhase !== undefined && BUILD_PHASES.indexOf(event.phase) > BUILD_PHASES.indexOf(currentPhase);
    const forward =
      ENTERED_FROM[event.status].includes(current) && !(event.status === 'running' && current === 'running' && !laterPhase);
    if (!forward) return { success: false, error: { code: 'CONFLICT', message: `build is ${current}` } };
    this.status.set(event.buildId, event.status);
    if (event.phase) this.phase.set(event.buildId, event.phase);
    return { success: true };
  }
}

export class FakeAws {
  readonly s3 = new Map<string, string>();
  readonly builds = new BuildTable();
  /** Every update-build-status event the function received (including ones that then failed). */
  readonly statusEvents: UpdateBuildStatusEvent[] = [];
  readonly deployEvents: ToolDeployEvent[] = [];
  /** What AwaitApproval handed update-build-status (its token included). */
  readonly approvalRequests: { buildId: string; status: string; taskToken: string }[] = [];
  readonly containerRuns: ContainerRun[] = [];
  readonly lambdaInvocations: { state: string; functionName: string }[] = [];
  /** Errors to throw, in order, at the next invocations of a state (before or after the handler runs). */
  private readonly faults = new Map<string, { error: AwsError; afterHandler: boolean }[]>();
  /** Replaces update-build-status answers for one state. */
  readonly statusOverrides = new Map<string, (event: UpdateBuildStatusEvent) => DirectResponse>();

  constructor(
    private readonly props: BuildPipelineProps,
    private readonly options: FakeOptions = {},
  ) {}

  /** The Lambda service fails the next call of `state`; `afterHandler`: the handler ran but the answer was lost. */
  failNext(state: string, error: AwsError, afterHandler = false): void {
    this.faults.set(state, [...(this.faults.get(state) ?? []), { error, afterHandler }]);
  }

  private takeFault(state: string): { error: AwsError; afterHandler: boolean } | undefined {
    return this.faults.get(state)?.shift();
  }

  private lambda(state: string, handler: (payload: JsonObject) => unknown) {
    return async (input: Json): Promise<Json> => {
      const { FunctionName, Payload } = input as { FunctionName: string; Payload: JsonObject };
      this.lambdaInvocations.push({ state, functionName: FunctionName });
      const fault = this.takeFault(state);
      if (fault && !fault.afterHandler) throw fault.error;
      const answer = JSON.parse(JSON.stringify(handler(Payload))) as Json;
      if (fault) throw fault.error;
      return { ExecutedVersion: '$LATEST', Payload: answer, StatusCode: 200 };
    };
  }

  private updateBuildStatus(state: string) {
    return this.lambda(state, (payload) => {
      const event = payload as unknown as UpdateBuildStatusEvent;
      this.statusEvents.push(event);
      const override = this.statusOverrides.get(state);
      return override ? override(event) : this.builds.update(event);
    });
  }

  /** RecordArtifacts: each bundle hashed (here: a stand-in hash of its key). */
  private recordArtifacts(state: string) {
    return this.lambda(state, (payload) => {
      const override = this.statusOverrides.get(state);
      if (override) return override(payload as unknown as UpdateBuildStatusEvent);
      const { artifacts } = payload as unknown as { artifacts: { tools: Tool[] } };
      return { success: true, tools: artifacts.tools.map((t) => ({ ...t, sha256: fakeSha256(t.s3Key) })) };
    });
  }

  /** lambda:invoke.waitForTaskToken: update-build-status stores the token, then the reviewer answers (or not). */
  private awaitApproval(state: string) {
    return async (input: Json): Promise<Json> => {
      const { FunctionName, Payload } = input as { FunctionName: string; Payload: JsonObject & { taskToken: string } };
      this.lambdaInvocations.push({ state, functionName: FunctionName });
      const event = Payload as unknown as UpdateBuildStatusEvent & { taskToken: string };
      this.statusEvents.push(event);
      this.approvalRequests.push({ buildId: event.buildId, status: event.status, taskToken: event.taskToken });
      this.builds.update(event);
      const recorded = (this.recordedTools ?? []) as unknown as ReviewedTool[];
      return (this.options.reviewer ?? approveAll)({ taskToken: event.taskToken, tools: recorded });
    };
  }

  /** What RecordArtifacts last answered (what a reviewer is shown). */
  private recordedTools?: Json;

  private toolDeployer(state: string) {
    return this.lambda(state, (payload) => {
      const event = payload as unknown as ToolDeployEvent;
      this.deployEvents.push(event);
      return (this.options.deployer ?? deployAll)(event);
    });
  }

  private runTask() {
    return async (input: Json): Promise<Json> => {
      const params = input as JsonObject;
      const overrides = (params.Overrides as { ContainerOverrides: { Name: string; Environment: { Name: string; Value: string }[] }[] })
        .ContainerOverrides;
      const container = overrides.find((o) => o.Name === this.props.taskDefinition.containerName);
      if (!container) throw new AwsError('ECS.ClientException', 'no override for the build container');
      const env = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
      const run: ContainerRun = { phase: env.FABLE_PHASE ?? '', env, params };
      this.containerRuns.push(run);
      const behaviour = (run.phase === 'core' ? this.options.core : this.options.oi) ?? succeeding(run.phase === 'oi' ? { tools: [] } : {});
      const { output, exitCode } = await behaviour(run);
      if (output) this.s3.set(`${this.props.artifactsBucket}/builds/${env.FABLE_BUILD_ID}/${run.phase}-output.json`, JSON.stringify(output));
      const task = { LastStatus: 'STOPPED', StopCode: 'EssentialContainerExited', Containers: [{ Name: container.Name, ExitCode: exitCode }] };
      // .sync fails the state when a container exits non-zero; the Cause is the task description.
      if (exitCode !== 0) throw new AwsError('States.TaskFailed', JSON.stringify(task));
      return { Tasks: [task] } as unknown as Json;
    };
  }

  private getObject() {
    return async (input: Json): Promise<Json> => {
      const { Bucket, Key } = input as { Bucket: string; Key: string };
      const body = this.s3.get(`${Bucket}/${Key}`);
      if (body === undefined) throw new AwsError('S3.NoSuchKeyException', 'The specified key does not exist.');
      return { Body: body, ContentType: 'application/json', ContentLength: body.length };
    };
  }

  /** `taskResourceLocalHandlers` for every task state of the pipeline. */
  handlers(): Record<string, (input: Json) => Promise<Json>> {
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const name of BUILD_PIPELINE_STATES.statusUpdates) handlers[name] = this.updateBuildStatus(name);
    const record = this.recordArtifacts('RecordArtifacts');
    handlers.RecordArtifacts = async (input) => {
      const result = (await record(input)) as { Payload: { tools: Json } };
      this.recordedTools = result.Payload.tools;
      return result as unknown as Json;
    };
    for (const name of BUILD_PIPELINE_STATES.approvals) handlers[name] = this.awaitApproval(name);
    for (const name of BUILD_PIPELINE_STATES.containerRuns) handlers[name] = this.runTask();
    for (const name of BUILD_PIPELINE_STATES.outputReads) handlers[name] = this.getObject();
    for (const name of BUILD_PIPELINE_STATES.toolDeploys) handlers[name] = this.toolDeployer(name);
    return handlers;
  }
}

/** Every state with a Retry, from the rendered definition (Map sub-graphs included). */
export function retryingStates(definition: AslStateMachine): string[] {
  const names: string[] = [];
  const walk = (states: AslStateMachine['States']) => {
    for (const [name, state] of Object.entries(states)) {
      if ('Retry' in state && state.Retry) names.push(name);
      if (state.Type === 'Map') walk(state.ItemProcessor.States);
    }
  };
  walk(definition.States);
  return names;
}

export interface ExecutionOutcome {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  output?: JsonObject;
  error?: { name: string; message: string };
  /** States entered, in order (Map iterations included). */
  entered: string[];
  retried: string[];
}

export const INPUT: PipelineInput = { buildId: 'b-123', userId: 'anonymous', orgId: 'default', connectionId: 'conn-1' };

const machines = new Map<string, { definition: AslStateMachine; machine: InstanceType<typeof LocalStateMachineClass> }>();

/** One local machine per distinct props: constructing it validates the definition (ARNs and paths included), which is slow. */
function localMachine(props: BuildPipelineProps) {
  const key = JSON.stringify(props);
  let entry = machines.get(key);
  if (!entry) {
    const definition = buildPipelineDefinition(props).render();
    entry = { definition, machine: new LocalStateMachine(JSON.parse(JSON.stringify(definition))) };
    machines.set(key, entry);
  }
  return entry;
}

/** Runs the pipeline (real ARNs, local handlers, no retry pauses) against `fake`. */
export async function runPipeline(
  fake: FakeAws,
  options: { props?: BuildPipelineProps; input?: PipelineInput; registerBuild?: boolean } = {},
): Promise<ExecutionOutcome> {
  const { definition, machine } = localMachine(options.props ?? REAL);
  const input = options.input ?? INPUT;
  if (options.registerBuild ?? true) fake.builds.status.set(input.buildId, 'pending');
  const retryIntervalOverrides = Object.fromEntries(retryingStates(definition).map((name) => [name, 0]));
  const execution = machine.run(JSON.parse(JSON.stringify(input)), {
    overrides: { taskResourceLocalHandlers: fake.handlers(), retryIntervalOverrides },
    // The local engine has no task tokens of its own: the context object supplies one.
    context: { Task: { Token: TASK_TOKEN_VALUE } },
  });
  const entered: string[] = [];
  const retried: string[] = [];
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') entered.push(event.state.name);
      if (event.type === 'StateRetried') retried.push(event.state.name);
    }
  })();
  let outcome: Omit<ExecutionOutcome, 'entered' | 'retried'>;
  try {
    outcome = { status: 'SUCCEEDED', output: (await execution.result) as JsonObject };
  } catch (err) {
    const error = err as Error & { cause?: Error };
    if (error.name === 'ExecutionTimeoutError') outcome = { status: 'TIMED_OUT' };
    else {
      const cause = error.cause ?? error;
      outcome = { status: 'FAILED', error: { name: cause.name, message: cause.message } };
    }
  }
  await logging; // the log closes as soon as the execution ends
  return { ...outcome, entered, retried };
}
