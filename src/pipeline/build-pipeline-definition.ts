/**
 * The build pipeline of DESIGN.md section 6 as typed ASL, written in execution order:
 *
 *   MarkCoreRunning -> RunCore -> ReadCoreOutput -> CoreOk?
 *   -> MarkOiRunning -> RunOi -> ReadOiOutput -> OiOk?
 *   -> RecordArtifacts (each bundle hashed from its S3 bytes) -> ArtifactsRecorded? -> KeepReviewedTools
 *   -> AwaitApproval (.waitForTaskToken; left out when the stage needs no approval)
 *   -> MarkDeploying -> DeployTools (Map: tool-deployer deploy, approved sha256 only) -> MarkCompleted -> BuildSucceeded
 *   any failure -> MarkFailed -> BuildFailed (the execution ends FAILED)
 *   rejected, or no decision in time -> MarkRejected -> BuildRejected (FAILED too)
 *
 * The execution input ({buildId, userId, orgId, connectionId?}) stays at `$` throughout: every
 * result goes to its own field (statusUpdate, core, oi, review, deployed, error), never over `$`.
 * `$.review.tools` is what DeployTools deploys: the recorded artifacts with their hashes, or (with
 * approval) exactly what build-kickoff's `review` approved, taken from the build item.
 * Each task carries the IAM its call needs; the state machine's role gets `machine.policies()`.
 */
import type { BuildPhaseName, PhaseDeadline } from '../config';
import type { ArnFormatter } from '../platform/aws-environment';
import { Condition } from '../asl/choice-rules';
import { ECS_TRANSIENT_ERRORS, LAMBDA_TRANSIENT_ERRORS } from '../asl/errors';
import type { StateGraph } from '../asl/graph';
import { customError } from '../asl/errors';
import { LAMBDA_PAYLOAD_ONLY, ecsRunTaskSync, lambdaInvoke, lambdaInvokeWaitForTaskToken, s3GetObject } from '../asl/integrations';
import { format, jsonToString, stringToJson } from '../asl/intrinsics';
import { StateMachine } from '../asl/machine';
import { jsonPath } from '../asl/paths';
import type { PayloadTemplate } from '../asl/payload';
import type { RetryProps } from '../asl/retry';
import type { State } from '../asl/state-base';
import type { ChoiceState, TaskState } from '../asl/states';

export interface BuildPipelineProps {
  readonly aws: ArnFormatter;
  readonly updateBuildStatusFunctionArn: string;
  readonly toolDeployerFunctionArn: string;
  readonly cluster: { readonly arn: string; readonly name: string };
  readonly taskDefinition: {
    /** A pinned revision ARN. */
    readonly arn: string;
    /** The build container's name in the task definition (`fable-build`). */
    readonly containerName: string;
    /** Its task role and execution role. */
    readonly roleArns: readonly string[];
  };
  /** Private subnets and the build-task security group. */
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly artifactsBucket: string;
  /** Each container phase's limits (StageConfig `phases`). */
  readonly phases: Readonly<Record<BuildPhaseName, PhaseDeadline>>;
  /** Whole-execution timeout (StageConfig `build.pipelineTimeoutSeconds`). */
  readonly timeoutSeconds: number;
  /** Tools deployed at once, default 4. */
  readonly deployConcurrency?: number;
  /** Wait for a person's decision on the exact bundles (StageConfig `build.requireApproval`). */
  readonly requireApproval: boolean;
  /** How long that decision may take before the build is rejected (`build.approvalTimeoutHours`). */
  readonly approvalTimeoutSeconds: number;
}

/** State names, e.g. to key local handlers in tests (`taskResourceLocalHandlers`). */
export const BUILD_PIPELINE_STATES = {
  statusUpdates: ['MarkCoreRunning', 'MarkOiRunning', 'RecordArtifacts', 'MarkDeploying', 'MarkCompleted', 'MarkFailed', 'MarkRejected'],
  /** The `.waitForTaskToken` task: update-build-status stores its token; build-kickoff `review` answers it. */
  approvals: ['AwaitApproval'],
  containerRuns: ['RunCore', 'RunOi'],
  outputReads: ['ReadCoreOutput', 'ReadCoreFailure', 'ReadOiOutput', 'ReadOiFailure'],
  toolDeploys: ['DeployTool'],
} as const;

/** Error names the pipeline raises itself (in `$.error.Error`, sent to update-build-status). */
export const BUILD_PIPELINE_ERRORS = {
  corePhaseFailed: 'FABLE.CorePhaseFailed',
  oiPhaseFailed: 'FABLE.OiPhaseFailed',
  statusUpdateRejected: 'FABLE.StatusUpdateRejected',
  invalidToolManifest: 'FABLE.InvalidToolManifest',
  toolDeployFailed: 'FABLE.ToolDeployFailed',
  /** What build-kickoff's `review` sends (SendTaskFailure) when the owner rejects the build. */
  buildRejected: 'FABLE.BuildRejected',
  approvalTimedOut: 'FABLE.ApprovalTimedOut',
} as const;

const DEFAULT_DEPLOY_CONCURRENCY = 4;

// Transient Lambda service errors: retried with backoff and full jitter.
const LAMBDA_SERVICE_RETRY: RetryProps = {
  errors: LAMBDA_TRANSIENT_ERRORS,
  intervalSeconds: 2,
  backoffRate: 2,
  maxAttempts: 5,
  maxDelaySeconds: 30,
  jitterStrategy: 'FULL',
};
// The handlers never throw on bad input (they answer success:false), so an error they throw is
// a transient AWS failure (DESIGN.md section 4): worth a short retry too. Retriers match in
// order, so the Lambda.* errors above never reach this one.
const HANDLER_ERROR_RETRY: RetryProps = {
  errors: ['States.TaskFailed'],
  intervalSeconds: 2,
  backoffRate: 2,
  maxAttempts: 2,
  jitterStrategy: 'FULL',
};
// ECS API / capacity errors mean the task never started, so running it again is safe. A
// container that ran and failed (States.TaskFailed) is the build's own failure: never retried.
const ECS_RETRY: RetryProps = {
  errors: ECS_TRANSIENT_ERRORS,
  intervalSeconds: 5,
  backoffRate: 2,
  maxAttempts: 3,
  maxDelaySeconds: 60,
  jitterStrategy: 'FULL',
};
// A GET is idempotent: one more look after any failure costs nothing.
const READ_RETRY: RetryProps = { errors: ['States.TaskFailed'], intervalSeconds: 2, backoffRate: 2, maxAttempts: 2, jitterStrategy: 'FULL' };

const ALL = ['States.ALL'] as const;
const buildId = jsonPath('$.buildId');

/** A stretch of the flow: where it starts, and how to say where it goes on success. */
interface Step {
  readonly first: State;
  then(next: State): void;
}

/** Where every failure goes: MarkFailed records `$.error` = {Error, Cause} on the build, then the execution fails. */
interface FailureSinks {
  readonly markFailed: TaskState;
  /** Turns a rejected status update into `$.error` and goes to MarkFailed. */
  readonly statusRejected: State;
}

/** Renders the build pipeline; `render()` gives the ASL, `policies()` what its role needs. */
export function buildPipelineDefinition(props: BuildPipelineProps): StateMachine {
  const sm = new StateMachine({
    comment: 'FABLE build pipeline: core and oi phases in ECS, then tool deployment (DESIGN.md section 6)',
    timeoutSeconds: props.timeoutSeconds,
  });
  const failure = failureSinks(sm, props);

  const core = containerPhase(sm, failure, props, 'core');
  // A successful OI output must list its tools (an array is all the Map accepts).
  const oi = containerPhase(sm, failure, props, 'oi', [Condition.isPresent('$.oi.output.tools')]);
  const artifacts = recordArtifacts(sm, failure, props);
  const deploying = markStatus(sm, failure, props, 'MarkDeploying', { status: 'deploying', phase: 'deploy' });
  const deploy = deployTools(sm, failure, props);
  const completed = markStatus(sm, failure, props, 'MarkCompleted', { status: 'completed', result: { tools: jsonPath('$.deployed') } });
  const succeeded = sm.succeed('BuildSucceeded');

  sm.startAt(core.first);
  core.then(oi.first);
  oi.then(artifacts.first);
  if (props.requireApproval) {
    const approval = awaitApproval(sm, failure, props);
    artifacts.then(approval.first);
    approval.then(deploying.first);
  } else {
    artifacts.then(deploying.first);
  }
  deploying.then(deploy.first);
  deploy.then(completed.first);
  completed.then(succeeded);
  return sm;
}

function lambdaTask(graph: StateGraph, name: string, functionArn: string, payload: PayloadTemplate, resultPath: string, partition: string): TaskState {
  return graph
    .task(name, lambdaInvoke({ partition, functionArn, payload }), { resultSelector: LAMBDA_PAYLOAD_ONLY, resultPath })
    .retry(LAMBDA_SERVICE_RETRY)
    .retry(HANDLER_ERROR_RETRY);
}

function failureSinks(sm: StateMachine, props: BuildPipelineProps): FailureSinks {
  const markFailed = lambdaTask(
    sm,
    'MarkFailed',
    props.updateBuildStatusFunctionArn,
    { buildId, status: 'failed', error: jsonPath('$.error') },
    '$.statusUpdate',
    props.aws.partition,
  );
  const buildFailed = sm.fail('BuildFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  // MarkFailed ends in BuildFailed whatever it answers; if it fails outright it goes there too
  // (keeping $.error for the Fail state), so failure handling can never loop.
  markFailed.catch({ errors: ALL, next: buildFailed, resultPath: '$.markFailedError' }).next(buildFailed);

  const statusRejected = sm.pass('StatusUpdateRejected', {
    parameters: { Error: BUILD_PIPELINE_ERRORS.statusUpdateRejected, Cause: jsonToString(jsonPath('$.statusUpdate.Payload')) },
    resultPath: '$.error',
  });
  statusRejected.next(markFailed);
  return { markFailed, statusRejected };
}

/**
 * Hash the OI output's bundles (update-build-status reads each object and records
 * `{toolName, s3Key, schema, sha256}` on the build) and keep the result as `$.review`: from here
 * on a tool is its recorded hash. Recording again (a retried call) gives the same answer.
 */
function recordArtifacts(sm: StateMachine, failure: FailureSinks, props: BuildPipelineProps): Step {
  const task = lambdaTask(sm, 'RecordArtifacts', props.updateBuildStatusFunctionArn, { buildId, artifacts: jsonPath('$.oi.output') }, '$.statusUpdate', props.aws.partition);
  task.catch({ errors: ALL, next: failure.markFailed, resultPath: '$.error' });
  const response = '$.statusUpdate.Payload';
  const recorded = sm.choice('ArtifactsRecorded?');
  const keep = sm.pass('KeepReviewedTools', { parameters: { tools: jsonPath(`${response}.tools`) }, resultPath: '$.review' });
  task.next(recorded);
  recorded
    .when(Condition.and(Condition.isPresent(`${response}.success`), Condition.booleanEquals(`${response}.success`, true), Condition.isPresent(`${response}.tools`)), keep)
    .otherwise(failure.statusRejected);
  return { first: task, then: (next) => keep.next(next) };
}

/**
 * Wait for the owner's decision: update-build-status moves the build to `awaiting_approval`, keeps
 * the task token on it and sends `build_review`; build-kickoff `review` answers with the approved
 * tools (taken from the build item, hashes included) or fails the task with FABLE.BuildRejected.
 * No answer in time rejects the build too. Only Lambda service errors are retried: a retry is a
 * new token, which update-build-status stores in place of the old one.
 */
function awaitApproval(sm: StateMachine, failure: FailureSinks, props: BuildPipelineProps): Step {
  const wait = sm
    .task(
      'AwaitApproval',
      lambdaInvokeWaitForTaskToken({
        partition: props.aws.partition,
        functionArn: props.updateBuildStatusFunctionArn,
        payload: (taskToken) => ({ buildId, status: 'awaiting_approval', taskToken }),
      }),
      { resultPath: '$.review', timeoutSeconds: props.approvalTimeoutSeconds },
    )
    .retry(LAMBDA_SERVICE_RETRY);

  const markRejected = lambdaTask(sm, 'MarkRejected', props.updateBuildStatusFunctionArn, { buildId, status: 'rejected', error: jsonPath('$.error') }, '$.statusUpdate', props.aws.partition);
  const buildRejected = sm.fail('BuildRejected', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  // Like MarkFailed: whatever it answers (CONFLICT when review already recorded the rejection), the execution ends rejected.
  markRejected.catch({ errors: ALL, next: buildRejected, resultPath: '$.markRejectedError' }).next(buildRejected);
  const timedOut = sm.pass('ApprovalTimedOut', {
    parameters: { Error: BUILD_PIPELINE_ERRORS.approvalTimedOut, Cause: `no decision within ${props.approvalTimeoutSeconds / 3600} hours` },
    resultPath: '$.error',
  });
  timedOut.next(markRejected);
  wait
    .catch({ errors: ['States.Timeout'], next: timedOut, resultPath: '$.error' })
    .catch({ errors: [customError(BUILD_PIPELINE_ERRORS.buildRejected)], next: markRejected, resultPath: '$.error' })
    .catch({ errors: ALL, next: failure.markFailed, resultPath: '$.error' });
  return { first: wait, then: (next) => wait.next(next) };
}

/**
 * update-build-status answers {success:true} or {success:false, error:{code}}. CONFLICT means the
 * build already moved past this status (a repeated or late update; status only moves forward),
 * which is fine. Any other success:false (NOT_FOUND, BAD_REQUEST, ...) fails the build rather
 * than running containers for a build the table does not know.
 */
function markStatus(sm: StateMachine, failure: FailureSinks, props: BuildPipelineProps, name: string, update: PayloadTemplate): Step {
  const task = lambdaTask(sm, name, props.updateBuildStatusFunctionArn, { buildId, ...update }, '$.statusUpdate', props.aws.partition);
  task.catch({ errors: ALL, next: failure.markFailed, resultPath: '$.error' });
  const response = '$.statusUpdate.Payload';
  const accepted = sm.choice(`${name}Accepted?`);
  task.next(accepted);
  return {
    first: task,
    then: (next) => {
      accepted
        .when(
          Condition.or(
            Condition.and(Condition.isPresent(`${response}.success`), Condition.booleanEquals(`${response}.success`, true)),
            Condition.and(Condition.isPresent(`${response}.error.code`), Condition.stringEquals(`${response}.error.code`, 'CONFLICT')),
          ),
          next,
        )
        .otherwise(failure.statusRejected);
    },
  };
}

const PHASE_LABELS: Record<BuildPhaseName, 'Core' | 'Oi'> = { core: 'Core', oi: 'Oi' };

/**
 * One container phase: mark it running, run the container, read its output record, check it.
 * The container always uploads `builds/<id>/<phase>-output.json` and exits non-zero on failure,
 * which `.sync` reports as States.TaskFailed. That case reads the output anyway (ReadXFailure),
 * because the record says why the build failed; the ECS error (kept in `$.error` if the record
 * cannot be read) only says that a container stopped.
 */
function containerPhase(
  sm: StateMachine,
  failure: FailureSinks,
  props: BuildPipelineProps,
  phase: BuildPhaseName,
  outputChecks: readonly Condition[] = [],
): Step {
  const label = PHASE_LABELS[phase];
  const output = `$.${phase}.output`;
  const running = markStatus(sm, failure, props, `Mark${label}Running`, { status: 'running', phase });

  const run = sm
    .task(
      `Run${label}`,
      ecsRunTaskSync({
        aws: props.aws,
        clusterArn: props.cluster.arn,
        clusterName: props.cluster.name,
        taskDefinitionArn: props.taskDefinition.arn,
        passRoleArns: props.taskDefinition.roleArns,
        subnetIds: props.subnetIds,
        securityGroupIds: props.securityGroupIds,
        containerOverrides: [
          {
            name: props.taskDefinition.containerName,
            // Only these three: the spec itself stays in S3 (no override size limit to hit).
            environment: {
              FABLE_PHASE: phase,
              FABLE_BUILD_ID: buildId,
              FABLE_SPEC_KEY: format('builds/{}/spec.json', buildId),
            },
          },
        ],
      }),
      // The ECS task description is large and useless downstream: keep the input as it was.
      { resultPath: null, timeoutSeconds: props.phases[phase].taskTimeoutSeconds },
    )
    .retry(ECS_RETRY);
  running.then(run);

  const read = (name: string) =>
    sm
      .task(name, s3GetObject({ partition: props.aws.partition, bucket: props.artifactsBucket, key: format(`builds/{}/${phase}-output.json`, buildId) }), {
        resultSelector: { output: stringToJson(jsonPath('$.Body')) },
        resultPath: `$.${phase}`,
      })
      .retry(READ_RETRY);
  const readOutput = read(`Read${label}Output`);
  const readFailure = read(`Read${label}Failure`);
  run
    // States.TaskFailed does not match States.Timeout, so a timed-out phase goes straight to MarkFailed.
    .catch({ errors: ['States.TaskFailed'], next: readFailure, resultPath: '$.error' })
    .catch({ errors: ALL, next: failure.markFailed, resultPath: '$.error' })
    .next(readOutput);

  const failed = sm.pass(`${label}Failed`, {
    comment: `The ${phase} phase reported a failure: its output record becomes the error`,
    parameters: { Error: BUILD_PIPELINE_ERRORS[`${phase}PhaseFailed`], Cause: jsonToString(jsonPath(output)) },
    resultPath: '$.error',
  });
  failed.next(failure.markFailed);
  const ok: ChoiceState = sm.choice(`${label}Ok?`);
  readOutput.catch({ errors: ALL, next: failure.markFailed, resultPath: '$.error' }).next(ok);
  // No record to read: keep the ECS error already in $.error.
  readFailure.catch({ errors: ALL, next: failure.markFailed, resultPath: '$.readError' }).next(failed);

  return {
    first: running.first,
    then: (next) => {
      ok.when(Condition.and(Condition.isPresent(`${output}.status`), Condition.stringEquals(`${output}.status`, 'success'), ...outputChecks), next).otherwise(failed);
    },
  };
}

/** The Map over the OI output's tools, each deployed through the tool-deployer. */
function deployTools(sm: StateMachine, failure: FailureSinks, props: BuildPipelineProps): Step {
  const map = sm.map(
    'DeployTools',
    {
      // The recorded (and, with approval, approved) tools: each carries the sha256 it may be deployed with.
      itemsPath: '$.review.tools',
      itemSelector: {
        tool: jsonPath('$$.Map.Item.Value'),
        orgId: jsonPath('$.orgId'),
        userId: jsonPath('$.userId'),
        buildId,
        // AwaitApproval's answer names the approver; a stage without approval has none.
        ...(props.requireApproval ? { approvedBy: jsonPath('$.review.approvedBy') } : {}),
      },
      maxConcurrency: props.deployConcurrency ?? DEFAULT_DEPLOY_CONCURRENCY,
      resultPath: '$.deployed',
    },
    (items) => deployIteration(items, props),
  );
  map.catch({ errors: ALL, next: failure.markFailed, resultPath: '$.error' });
  return { first: map, then: (next) => map.next(next) };
}

/** One Map iteration: check the manifest entry, deploy it, check the answer. */
function deployIteration(items: StateGraph, props: BuildPipelineProps): State {
  // A missing field in Parameters is an uncatchable States.Runtime error (the build would stay
  // "running"), so the agent-written entry is checked before it is used.
  const valid = items.choice('ToolManifestValid?');
  // Fields are whitelisted, not forwarded: the manifest is written by the agent, and owner
  // identity comes from the execution input only.
  const deploy = lambdaTask(
    items,
    'DeployTool',
    props.toolDeployerFunctionArn,
    {
      action: 'deploy',
      payload: {
        toolName: jsonPath('$.tool.toolName'),
        s3Key: jsonPath('$.tool.s3Key'),
        sha256: jsonPath('$.tool.sha256'),
        schema: jsonPath('$.tool.schema'),
        orgId: jsonPath('$.orgId'),
        userId: jsonPath('$.userId'),
        // The tool's version history keeps where each version came from.
        buildId,
        ...(props.requireApproval ? { approvedBy: jsonPath('$.approvedBy') } : {}),
      },
    },
    '$.deploy',
    props.aws.partition,
  );
  const ok = items.choice('ToolDeployOk?');
  // The iteration's result is the deployed tool ({toolName, functionName, functionArn, functionUrl, version}).
  const deployed = items.pass('ToolDeployed', { inputPath: '$.deploy.Payload.tool' }).end();

  const toolFailed = items.fail('ToolDeployFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const invalid = items.pass('DescribeInvalidTool', {
    parameters: { Error: BUILD_PIPELINE_ERRORS.invalidToolManifest, Cause: jsonToString(jsonPath('$.tool')) },
    resultPath: '$.error',
  });
  invalid.next(toolFailed);
  const rejected = items.pass('DescribeToolFailure', {
    parameters: {
      Error: BUILD_PIPELINE_ERRORS.toolDeployFailed,
      Cause: format('tool {} was not deployed: {}', jsonPath('$.tool.toolName'), jsonToString(jsonPath('$.deploy.Payload'))),
    },
    resultPath: '$.error',
  });
  rejected.next(toolFailed);

  const present = (path: string) => Condition.isPresent(path);
  valid
    .when(
      Condition.and(
        present('$.tool.toolName'),
        Condition.isString('$.tool.toolName'),
        present('$.tool.s3Key'),
        Condition.isString('$.tool.s3Key'),
        present('$.tool.sha256'),
        Condition.isString('$.tool.sha256'),
        present('$.tool.schema'),
      ),
      deploy,
    )
    .otherwise(invalid);
  deploy.next(ok);
  const response = '$.deploy.Payload';
  ok.when(
    Condition.and(Condition.isPresent(`${response}.success`), Condition.booleanEquals(`${response}.success`, true), Condition.isPresent(`${response}.tool`)),
    deployed,
  ).otherwise(rejected);
  return valid;
}
