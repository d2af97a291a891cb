/** The rendered build-pipeline definition: valid ASL, DESIGN.md section 6 flow and policies. */
import type { AslChoiceState, AslMapState, AslState, AslStateMachine, AslTaskState } from '../../../src/asl';
import { BUILD_PIPELINE_STATES, buildPipelineDefinition } from '../../../src/pipeline/build-pipeline-definition';
import { arnFormatter, REAL, TOKEN_VALUES, TOKENS } from '../../helpers/pipeline-fakes';

type AslValidator = (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
// asl-validator ships no type declarations; it also annotates its input, hence the clones below.
const validate = require('asl-validator') as AslValidator;

/** Every state, Map sub-graphs included. */
function allStates(definition: AslStateMachine): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  const walk = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      out[name] = state;
      if (state.Type === 'Map') walk(state.ItemProcessor.States);
    }
  };
  walk(definition.States);
  return out;
}

const real = buildPipelineDefinition(REAL).render();
const states = allStates(real);
const task = (name: string) => states[name] as AslTaskState;

describe('buildPipelineDefinition: validity', () => {
  it('passes asl-validator once Terraform has resolved the tokens', () => {
    const result = validate(structuredClone(real), { checkArn: true, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('with unresolved tokens, places them verbatim and is otherwise valid', () => {
    const tokens = buildPipelineDefinition(TOKENS).render();
    const json = JSON.stringify(tokens);
    for (const value of [TOKENS.updateBuildStatusFunctionArn, TOKENS.toolDeployerFunctionArn, TOKENS.cluster.arn, TOKENS.taskDefinition.arn, TOKENS.artifactsBucket]) {
      expect(json).toContain(`"${value}"`);
    }
    expect(json).toContain(`"arn:${TOKENS.aws.partition}:states:::lambda:invoke"`);
    expect(json).not.toContain('arn:aws:');
    // Only the ARN check cares what a token looks like.
    const result = validate(structuredClone(tokens), { checkArn: false, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    // Same definition either way, apart from the placed values.
    const resolved = TOKEN_VALUES.reduce((text, [token, value]) => text.split(token).join(value), json);
    expect(JSON.parse(resolved)).toEqual(real);
  });

  it('uses the given partition everywhere', () => {
    const gov = buildPipelineDefinition({ ...REAL, aws: arnFormatter('aws-us-gov', 'us-gov-west-1', '123456789012') }).render();
    const resources = Object.values(allStates(gov)).flatMap((s) => (s.Type === 'Task' ? [s.Resource] : []));
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) expect(resource).toMatch(/^arn:aws-us-gov:states:::/);
  });
});

describe('buildPipelineDefinition: flow', () => {
  it('follows DESIGN.md section 6', () => {
    expect(real.StartAt).toBe('MarkCoreRunning');
    const next = (name: string) => (states[name] as { Next?: string }).Next;
    const onSuccess = (choice: string) => (states[choice] as AslChoiceState).Choices[0].Next;
    expect(onSuccess(next('MarkCoreRunning')!)).toBe('RunCore');
    expect(next('RunCore')).toBe('ReadCoreOutput');
    expect(next('ReadCoreOutput')).toBe('CoreOk?');
    expect(onSuccess('CoreOk?')).toBe('MarkOiRunning');
    expect(onSuccess(next('MarkOiRunning')!)).toBe('RunOi');
    expect(next('RunOi')).toBe('ReadOiOutput');
    expect(next('ReadOiOutput')).toBe('OiOk?');
    expect(onSuccess('OiOk?')).toBe('RecordArtifacts');
    expect(next('RecordArtifacts')).toBe('ArtifactsRecorded?');
    expect(onSuccess('ArtifactsRecorded?')).toBe('KeepReviewedTools');
    expect(next('KeepReviewedTools')).toBe('AwaitApproval');
    expect(next('AwaitApproval')).toBe('MarkDeploying');
    expect(onSuccess(next('MarkDeploying')!)).toBe('DeployTools');
    expect(next('DeployTools')).toBe('MarkCompleted');
    expect(onSuccess(next('MarkCompleted')!)).toBe('BuildSucceeded');
    expect(states.BuildSucceeded.Type).toBe('Succeed');
    expect(next('MarkFailed')).toBe('BuildFailed');
    expect(states.BuildFailed).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    expect(next('MarkRejected')).toBe('BuildRejected');
    expect(states.BuildRejected).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('waits for the decision with a .waitForTaskToken task that hands update-build-status its token', () => {
    expect(task('AwaitApproval')).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: REAL.updateBuildStatusFunctionArn,
        Payload: { 'buildId.$': '$.buildId', status: 'awaiting_approval', 'taskToken.$': '$$.Task.Token' },
      },
      // The decision (build-kickoff's SendTaskSuccess output) is the list DeployTools deploys.
      ResultPath: '$.review',
      TimeoutSeconds: REAL.approvalTimeoutSeconds,
    });
    // A new token per attempt: only the Lambda service's own errors are retried, never a rejection.
    expect(task('AwaitApproval').Retry!.flatMap((r) => r.ErrorEquals)).not.toContain('States.TaskFailed');
    expect(task('AwaitApproval').Catch!.map((c) => [c.ErrorEquals, c.Next])).toEqual([
      [['States.Timeout'], 'ApprovalTimedOut'],
      [['FABLE.BuildRejected'], 'MarkRejected'],
      [['States.ALL'], 'MarkFailed'],
    ]);
    expect(states.ApprovalTimedOut).toMatchObject({ Parameters: { Error: 'FABLE.ApprovalTimedOut', Cause: 'no decision within 24 hours' }, Next: 'MarkRejected' });
  });

  it('without requireApproval, deploys the recorded artifacts right away: no AwaitApproval state', () => {
    const off = allStates(buildPipelineDefinition({ ...REAL, requireApproval: false }).render());
    // No approver to name: the deploy event carries none.
    expect((off.DeployTools as AslMapState).ItemSelector).not.toHaveProperty('approvedBy.$');
    expect(Object.keys(off)).not.toContain('AwaitApproval');
    expect(Object.keys(off)).not.toContain('MarkRejected');
    expect((off.KeepReviewedTools as { Next: string }).Next).toBe('MarkDeploying');
    expect(off.KeepReviewedTools).toMatchObject({ Parameters: { 'tools.$': '$.statusUpdate.Payload.tools' }, ResultPath: '$.review' });
  });

  it('names every task state the tests wire handlers to', () => {
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task').map(([name]) => name).sort();
    expect(tasks).toEqual(Object.values(BUILD_PIPELINE_STATES).flat().sort());
  });

  it('has the whole-machine timeout it is given', () => {
    expect(real.TimeoutSeconds).toBe(7200);
    expect(buildPipelineDefinition({ ...REAL, timeoutSeconds: 9000 }).render().TimeoutSeconds).toBe(9000);
  });

  it('catches every failure of every task into MarkFailed (MarkFailed itself into BuildFailed)', () => {
    for (const [name, state] of Object.entries(real.States)) {
      if (state.Type !== 'Task' && state.Type !== 'Map') continue;
      const catchAll = state.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
      const sink = name === 'MarkFailed' ? 'BuildFailed' : name === 'MarkRejected' ? 'BuildRejected' : 'MarkFailed';
      expect({ name, next: catchAll?.Next }).toEqual({ name, next: sink });
    }
    // MarkFailed can only end the execution: no way back into the flow.
    const markFailed = task('MarkFailed');
    expect([markFailed.Next, ...(markFailed.Catch ?? []).map((c) => c.Next)]).toEqual(['BuildFailed', 'BuildFailed']);
  });

  it('every Choice has a Default, and failure defaults lead to MarkFailed', () => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type !== 'Choice') continue;
      expect({ name, default: typeof state.Default }).toEqual({ name, default: 'string' });
    }
    expect((states['CoreOk?'] as { Default: string }).Default).toBe('CoreFailed');
    expect((states.CoreFailed as { Next: string }).Next).toBe('MarkFailed');
    expect((states['MarkCoreRunningAccepted?'] as { Default: string }).Default).toBe('StatusUpdateRejected');
  });

  it('never overwrites the execution input: results and errors go to their own fields', () => {
    for (const [name, state] of Object.entries(states)) {
      const paths = [
        ...('ResultPath' in state ? [state.ResultPath] : []),
        ...('Catch' in state && state.Catch ? state.Catch.map((c) => c.ResultPath) : []),
      ];
      for (const path of paths) {
        if (path === null) continue;
        expect({ name, path }).toEqual({ name, path: expect.stringMatching(/^\$\.[a-zA-Z]+$/) });
      }
      expect({ name, outputPath: 'OutputPath' in state ? state.OutputPath : undefined }).toEqual({ name, outputPath: undefined });
    }
  });
});

describe('buildPipelineDefinition: tasks', () => {
  it('runs each phase as a pinned Fargate task with exactly the three FABLE_* overrides', () => {
    for (const [name, phase, timeout] of [
      ['RunCore', 'core', REAL.phases.core.taskTimeoutSeconds],
      ['RunOi', 'oi', REAL.phases.oi.taskTimeoutSeconds],
    ] as const) {
      const run = task(name);
      expect(run.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
      expect(run.TimeoutSeconds).toBe(timeout);
      expect(run.ResultPath).toBeNull();
      expect(run.Parameters).toEqual({
        Cluster: REAL.cluster.arn,
        TaskDefinition: REAL.taskDefinition.arn,
        LaunchType: 'FARGATE',
        NetworkConfiguration: {
          AwsvpcConfiguration: { Subnets: REAL.subnetIds, SecurityGroups: REAL.securityGroupIds, AssignPublicIp: 'DISABLED' },
        },
        Overrides: {
          ContainerOverrides: [
            {
              Name: 'fable-build',
              Environment: [
                { Name: 'FABLE_PHASE', Value: phase },
                { Name: 'FABLE_BUILD_ID', 'Value.$': '$.buildId' },
                { Name: 'FABLE_SPEC_KEY', 'Value.$': "States.Format('builds/{}/spec.json', $.buildId)" },
              ],
            },
          ],
        },
      });
    }
  });

  it('retries ECS capacity / API errors but never the build failing (States.TaskFailed)', () => {
    for (const name of BUILD_PIPELINE_STATES.containerRuns) {
      const retried = task(name).Retry!.flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(expect.arrayContaining(['ECS.AmazonECSException', 'ECS.ServerException']));
      expect(retried).not.toContain('States.TaskFailed');
      expect(retried).not.toContain('States.ALL');
      for (const retrier of task(name).Retry!) expect(retrier).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL' });
    }
  });

  it('retries transient Lambda errors with backoff and jitter on every Lambda task', () => {
    for (const name of [...BUILD_PIPELINE_STATES.statusUpdates, ...BUILD_PIPELINE_STATES.toolDeploys]) {
      const lambda = task(name);
      expect(lambda.Resource).toBe('arn:aws:states:::lambda:invoke');
      expect(lambda.ResultSelector).toEqual({ 'Payload.$': '$.Payload' });
      expect(lambda.Retry![0]).toMatchObject({
        ErrorEquals: expect.arrayContaining([
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ]),
        IntervalSeconds: 2,
        BackoffRate: 2,
        JitterStrategy: 'FULL',
      });
      expect(lambda.Retry![0].MaxAttempts).toBeGreaterThanOrEqual(3);
      expect(lambda.Retry![0].MaxAttempts).toBeLessThanOrEqual(6);
    }
  });

  it('sends update-build-status the DESIGN.md event shapes', () => {
    const payload = (name: string) => (task(name).Parameters as { FunctionName: string; Payload: unknown });
    expect(payload('MarkCoreRunning')).toEqual({
      FunctionName: REAL.updateBuildStatusFunctionArn,
      Payload: { 'buildId.$': '$.buildId', status: 'running', phase: 'core' },
    });
    expect(payload('MarkOiRunning').Payload).toEqual({ 'buildId.$': '$.buildId', status: 'running', phase: 'oi' });
    expect(payload('RecordArtifacts').Payload).toEqual({ 'buildId.$': '$.buildId', 'artifacts.$': '$.oi.output' });
    expect(payload('MarkDeploying').Payload).toEqual({ 'buildId.$': '$.buildId', status: 'deploying', phase: 'deploy' });
    expect(payload('MarkRejected').Payload).toEqual({ 'buildId.$': '$.buildId', status: 'rejected', 'error.$': '$.error' });
    expect(payload('MarkCompleted').Payload).toEqual({ 'buildId.$': '$.buildId', status: 'completed', result: { 'tools.$': '$.deployed' } });
    expect(payload('MarkFailed').Payload).toEqual({ 'buildId.$': '$.buildId', status: 'failed', 'error.$': '$.error' });
  });

  it('reads each phase output from the artifacts bucket and parses it', () => {
    for (const [name, phase] of [
      ['ReadCoreOutput', 'core'],
      ['ReadCoreFailure', 'core'],
      ['ReadOiOutput', 'oi'],
      ['ReadOiFailure', 'oi'],
    ] as const) {
      expect(task(name)).toMatchObject({
        Resource: 'arn:aws:states:::aws-sdk:s3:getObject',
        Parameters: { Bucket: REAL.artifactsBucket, 'Key.$': `States.Format('builds/{}/${phase}-output.json', $.buildId)` },
        ResultSelector: { 'output.$': 'States.StringToJson($.Body)' },
        ResultPath: `$.${phase}`,
      });
    }
  });

  it('deploys each reviewed tool with the tool-deployer deploy event, naming the sha256 it may have, its build and its approver', () => {
    const map = states.DeployTools as AslMapState;
    expect(map).toMatchObject({
      ItemsPath: '$.review.tools',
      ItemSelector: { 'tool.$': '$$.Map.Item.Value', 'orgId.$': '$.orgId', 'userId.$': '$.userId', 'buildId.$': '$.buildId', 'approvedBy.$': '$.review.approvedBy' },
      ResultPath: '$.deployed',
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'ToolManifestValid?' },
    });
    expect(map.MaxConcurrency).toBeGreaterThan(0);
    expect(task('DeployTool').Parameters).toEqual({
      FunctionName: REAL.toolDeployerFunctionArn,
      Payload: {
        action: 'deploy',
        payload: {
          'toolName.$': '$.tool.toolName',
          's3Key.$': '$.tool.s3Key',
          'sha256.$': '$.tool.sha256',
          'schema.$': '$.tool.schema',
          'orgId.$': '$.orgId',
          'userId.$': '$.userId',
          'buildId.$': '$.buildId',
          'approvedBy.$': '$.approvedBy',
        },
      },
    });
    expect(states.ToolDeployFailed.Type).toBe('Fail');
  });
});

describe('buildPipelineDefinition: the IAM its tasks carry', () => {
  const policies = buildPipelineDefinition(REAL).policies();

  it('gathers each distinct statement once, Map iterations included', () => {
    const actions = policies.flatMap((p) => p.actions);
    expect(actions).toEqual([
      'lambda:InvokeFunction',
      'ecs:RunTask',
      'ecs:DescribeTasks',
      'ecs:StopTask',
      'events:DescribeRule',
      'events:PutRule',
      'events:PutTargets',
      'iam:PassRole',
      's3:GetObject',
      's3:GetObject',
      'lambda:InvokeFunction',
    ]);
    // AwaitApproval invokes update-build-status too (the same statement); answering it needs no grant of the machine's.
    const invoked = policies.filter((p) => p.actions.includes('lambda:InvokeFunction')).flatMap((p) => p.resources);
    // update-build-status from the main graph, the tool-deployer from inside the DeployTools Map.
    expect(invoked).toEqual([REAL.updateBuildStatusFunctionArn, REAL.toolDeployerFunctionArn]);
  });

  it('scopes each grant to what the definition names', () => {
    expect(policies).toContainEqual({ actions: ['ecs:RunTask'], resources: [REAL.taskDefinition.arn], conditions: { ArnEquals: { 'ecs:cluster': REAL.cluster.arn } } });
    expect(policies).toContainEqual({ actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: ['arn:aws:ecs:us-west-2:123456789012:task/fable-dev-builds/*'] });
    expect(policies).toContainEqual({
      actions: ['iam:PassRole'],
      resources: REAL.taskDefinition.roleArns,
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    const reads = policies.filter((p) => p.actions.includes('s3:GetObject')).flatMap((p) => p.resources);
    expect(reads).toEqual([
      `arn:aws:s3:::${REAL.artifactsBucket}/builds/*/core-output.json`,
      `arn:aws:s3:::${REAL.artifactsBucket}/builds/*/oi-output.json`,
    ]);
  });
});
