/**
 * The build pipeline of DESIGN.md section 6 as typed ASL:
 *
 *   MarkCoreRunning -> RunCore -> ReadCoreOutput -> CoreOk?
 *   -> MarkOiRunning -> RunOi -> ReadOiOutput -> OiOk?
 *   -> MarkDeploying -> DeployTools (Map: tool-deployer deploy) -> MarkCompleted -> BuildSucceeded
 *   any failure -> MarkFailed -> BuildFailed (the execution ends FAILED)
 *
 * The execution input ({buildId, userId, orgId, connectionId?}) stays at `$` throughout: every
 * result goes to its own field (statusUpdate, core, oi, deployed, error), never over `$`.
 */
import type { AslStateMachine } from './asl-types';
import { Condition } from './choice-rules';
import { ECS_TRANSIENT_ERRORS, LAMBDA_TRANSIENT_ERRORS } from './errors';
import type { StateGraph } from './graph';
import { LAMBDA_PAYLOAD_ONLY, ecsRunTaskSync, lambdaInvoke, s3GetObject } from './integrations';
import { format, jsonToString, stringToJson } from './intrinsics';
import { StateMachine } from './machine';
import { jsonPath } from './paths';
import type { PayloadTemplate } from './payload';
import type { RetryProps } from './retry';
import type { State } from './state-base';
import type { TaskState } from './states';

export interface BuildPipelineProps {
  readonly partition: string;
  readonly updateBuildStatusFunctionArn: string;
  readonly toolDeployerFunctionArn: string;
  readonly clusterArn: string;
  /** A pinned revision ARN. */
  readonly taskDefinitionArn: string;
  /** The build container's name in the task definition (`fable-build`). */
  readonly containerName: string;
  /** Private subnets. */
  readonly subnetIds: readonly string[];
  /** The build-task security group. */
  readonly securityGroupIds: readonly string[];
  readonly artifactsBucket: string;
  readonly coreTimeoutSeconds: number;
  readonly oiTimeoutSeconds: number;
  /** Whole-execution timeout, default 7200 (2 h). */
  readonly timeoutSeconds?: number;
  /** Tools deployed at once, default 4. */
  readonly deployConcurrency?: number;
}

/** State names, e.g. to key local handlers in tests (`taskResourceLocalHandlers`). */
export const BUILD_PIPELINE_STATES = {
  statusUpdates: ['MarkCoreRunning', 'MarkOiRunning', 'MarkDeploying', 'MarkCompleted', 'MarkFailed'],
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
} as const;

export const DEFAULT_PIPELINE_TIMEOUT_SECONDS = 7200;
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

interface Flow {
  readonly sm: StateMachine;
  readonly props: BuildPipelineProps;
  /** Records `$.error` on the build and ends FAILED. Every way in sets `$.error` = {Error, Cause}. */
  readonly markFailed: TaskState;
  /** Turns a rejected status update into `$.error` and goes to MarkFailed. */
  readonly statusRejected: State;
}

function lambdaTask(graph: StateGraph, name: string, functionArn: string, payload: PayloadTemplate, resultPath: string, partition: string): TaskState {
  return graph
    .task(name, lambdaInvoke({ partition, functionArn, payload }), { resultSelector: LAMBDA_PAYLOAD_ONLY, resultPath })
    .retry(LAMBDA_SERVICE_RETRY)
    .retry(HANDLER_ERROR_RETRY);
}

/**
 * update-build-status answers {success:true} or {success:false, error:{code}}. CONFLICT means the
 * build already moved past this status (a repeated or late update; status only moves forward),
 * which is fine. Any other success:false (NOT_FOUND, BAD_REQUEST, ...) fails the build rather
 * than running containers for a build the table does not know.
 */
function markStatus(flow: Flow, name: string, update: PayloadTemplate, onAccepted: State): TaskState {
  const { sm, props } = flow;
  const payload = { buildId, ...update };
  const task = lambdaTask(sm, name, props.updateBuildStatusFunctionArn, payload, '$.statusUpdate', props.partition);
  task.catch({ errors: ALL, next: flow.markFailed, resultPath: '$.error' });
  const response = '$.statusUpdate.Payload';
  const accepted = sm
    .choice(`${name}Accepted?`)
    .when(
      Condition.or(
        Condition.and(Condition.isPresent(`${response}.success`), Condition.booleanEquals(`${response}.success`, true)),
        Condition.and(Condition.isPresent(`${response}.error.code`), Condition.stringEquals(`${response}.error.code`, 'CONFLICT')),
      ),
      onAccepted,
    )
    .otherwise(flow.statusRejected);
  task.next(accepted);
  return task;
}

interface PhaseSpec {
  readonly id: 'core' | 'oi';
  readonly label: 'Core' | 'Oi';
  readonly timeoutSeconds: number;
  /** Extra checks on a successful output before moving on. */
  readonly outputChecks?: readonly Condition[];
}

/**
 * One container phase. The container always uploads `builds/<id>/<phase>-output.json` and exits
 * non-zero on failure, which `.sync` reports as States.TaskFailed. That case reads the output
 * anyway (ReadXFailure), because the record says why the build failed; the ECS error (kept in
 * `$.error` if the record cannot be read) only says that a container stopped.
 */
function containerPhase(flow: Flow, phase: PhaseSpec, onSuccess: State): TaskState {
  const { sm, props } = flow;
  const { id, label } = phase;
  const output = `$.${id}.output`;

  const failed = sm.pass(`${label}Failed`, {
    comment: `The ${id} phase reported a failure: its output record becomes the error`,
    parameters: { Error: BUILD_PIPELINE_ERRORS[`${id}PhaseFailed`], Cause: jsonToString(jsonPath(output)) },
    resultPath: '$.error',
  });
  failed.next(flow.markFailed);

  const read = (name: string) =>
    sm
      .task(name, s3GetObject({ partition: props.partition, bucket: props.artifactsBucket, key: format(`builds/{}/${id}-output.json`, buildId) }), {
        resultSelector: { output: stringToJson(jsonPath('$.Body')) },
        resultPath: `$.${id}`,
      })
      .retry(READ_RETRY);

  const readFailure = read(`Read${label}Failure`);
  // No record to read: keep the ECS error already in $.error.
  readFailure.catch({ errors: ALL, next: flow.markFailed, resultPath: '$.readError' }).next(failed);

  const ok = sm
    .choice(`${label}Ok?`)
    .when(
      Condition.and(Condition.isPresent(`${output}.status`), Condition.stringEquals(`${output}.status`, 'success'), ...(phase.outputChecks ?? [])),
      onSuccess,
    )
    .otherwise(failed);
  const readOutput = read(`Read${label}Output`);
  readOutput.catch({ errors: ALL, next: flow.markFailed, resultPath: '$.error' }).next(ok);

  const run = sm
    .task(
      `Run${label}`,
      ecsRunTaskSync({
        partition: props.partition,
        clusterArn: props.clusterArn,
        taskDefinitionArn: props.taskDefinitionArn,
        subnetIds: props.subnetIds,
        securityGroupIds: props.securityGroupIds,
        containerOverrides: [
          {
            name: props.containerName,
            // Only these three: the spec itself stays in S3 (no override size limit to hit).
            environment: {
              FABLE_PHASE: id,
              FABLE_BUILD_ID: buildId,
              FABLE_SPEC_KEY: format('builds/{}/spec.json', buildId),
            },
          },
        ],
      }),
      // The ECS task description is large and useless downstream: keep the input as it was.
      { resultPath: null, timeoutSeconds: phase.timeoutSeconds },
    )
    .retry(ECS_RETRY)
    // States.TaskFailed does not match States.Timeout, so a timed-out phase goes straight to MarkFailed.
    .catch({ errors: ['States.TaskFailed'], next: readFailure, resultPath: '$.error' })
    .catch({ errors: ALL, next: flow.markFailed, resultPath: '$.error' });
  run.next(readOutput);

  return markStatus(flow, `Mark${label}Running`, { status: 'running', phase: id }, run);
}

/** One Map iteration: validate the manifest entry, deploy, check the answer. */
function deployIteration(items: StateGraph, props: BuildPipelineProps): State {
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

  // The iteration's result is the deployed tool ({toolName, functionName, functionArn, functionUrl, version}).
  const deployed = items.pass('ToolDeployed', { inputPath: '$.deploy.Payload.tool' }).end();
  const response = '$.deploy.Payload';
  const ok = items
    .choice('ToolDeployOk?')
    .when(
      Condition.and(
        Condition.isPresent(`${response}.success`),
        Condition.booleanEquals(`${response}.success`, true),
        Condition.isPresent(`${response}.tool`),
      ),
      deployed,
    )
    .otherwise(rejected);

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
        schema: jsonPath('$.tool.schema'),
        orgId: jsonPath('$.orgId'),
        userId: jsonPath('$.userId'),
      },
    },
    '$.deploy',
    props.partition,
  );
  deploy.next(ok);

  // A missing field in Parameters is an uncatchable States.Runtime error (the build would stay
  // "running"), so the agent-written entry is checked before it is used.
  const present = (path: string) => Condition.isPresent(path);
  return items
    .choice('ToolManifestValid?')
    .when(
      Condition.and(
        present('$.tool.toolName'),
        Condition.isString('$.tool.toolName'),
        present('$.tool.s3Key'),
        Condition.isString('$.tool.s3Key'),
        present('$.tool.schema'),
      ),
      deploy,
    )
    .otherwise(invalid);
}

function checkTimeouts(props: BuildPipelineProps, machineTimeout: number): void {
  for (const [field, value] of [
    ['coreTimeoutSeconds', props.coreTimeoutSeconds],
    ['oiTimeoutSeconds', props.oiTimeoutSeconds],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${field} must be an integer >= 1 (got ${value})`);
  }
  // The machine timeout ends the execution TIMED_OUT without running MarkFailed, so the phase
  // timeouts (which do run it) must fire first.
  if (props.coreTimeoutSeconds + props.oiTimeoutSeconds >= machineTimeout) {
    throw new Error(
      `coreTimeoutSeconds + oiTimeoutSeconds (${props.coreTimeoutSeconds + props.oiTimeoutSeconds}) must be below the ` +
        `machine timeout (${machineTimeout}), or a slow build would time out without being marked failed`,
    );
  }
}

/** Renders the build-pipeline definition (ASL as a plain object, ready for `JSON.stringify`). */
export function buildPipelineDefinition(props: BuildPipelineProps): AslStateMachine {
  const timeoutSeconds = props.timeoutSeconds ?? DEFAULT_PIPELINE_TIMEOUT_SECONDS;
  checkTimeouts(props, timeoutSeconds);
  const sm = new StateMachine({
    comment: 'FABLE build pipeline: core and oi phases in ECS, then tool deployment (DESIGN.md section 6)',
    timeoutSeconds,
  });

  const buildFailed = sm.fail('BuildFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  // MarkFailed ends in BuildFailed whatever it answers; if it fails outright it goes there too
  // (keeping $.error for the Fail state), so failure handling can never loop.
  const markFailed = lambdaTask(
    sm,
    'MarkFailed',
    props.updateBuildStatusFunctionArn,
    { buildId, status: 'failed', error: jsonPath('$.error') },
    '$.statusUpdate',
    props.partition,
  );
  markFailed.catch({ errors: ALL, next: buildFailed, resultPath: '$.markFailedError' }).next(buildFailed);

  const statusRejected = sm.pass('StatusUpdateRejected', {
    parameters: { Error: BUILD_PIPELINE_ERRORS.statusUpdateRejected, Cause: jsonToString(jsonPath('$.statusUpdate.Payload')) },
    resultPath: '$.error',
  });
  statusRejected.next(markFailed);
  const flow: Flow = { sm, props, markFailed, statusRejected };

  const succeeded = sm.succeed('BuildSucceeded');
  const markCompleted = markStatus(flow, 'MarkCompleted', { status: 'completed', result: { tools: jsonPath('$.deployed') } }, succeeded);

  const deployTools = sm.map(
    'DeployTools',
    {
      itemsPath: '$.oi.output.tools',
      itemSelector: {
        tool: jsonPath('$$.Map.Item.Value'),
        orgId: jsonPath('$.orgId'),
        userId: jsonPath('$.userId'),
      },
      maxConcurrency: props.deployConcurrency ?? DEFAULT_DEPLOY_CONCURRENCY,
      resultPath: '$.deployed',
    },
    (items) => deployIteration(items, props),
  );
  deployTools.catch({ errors: ALL, next: markFailed, resultPath: '$.error' }).next(markCompleted);
  const markDeploying = markStatus(flow, 'MarkDeploying', { status: 'running', phase: 'deploy' }, deployTools);

  const markOiRunning = containerPhase(
    flow,
    // A successful OI output must list its tools (an array is all the Map accepts).
    { id: 'oi', label: 'Oi', timeoutSeconds: props.oiTimeoutSeconds, outputChecks: [Condition.isPresent('$.oi.output.tools')] },
    markDeploying,
  );
  const markCoreRunning = containerPhase(flow, { id: 'core', label: 'Core', timeoutSeconds: props.coreTimeoutSeconds }, markOiRunning);
  sm.startAt(markCoreRunning);

  return sm.render();
}
