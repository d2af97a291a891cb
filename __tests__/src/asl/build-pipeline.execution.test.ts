/**
 * The build pipeline executed by aws-local-stepfunctions (Node >= 22), every task state wired to
 * an in-test fake (see pipeline-fakes.ts). Retry pauses are overridden to 0 ms.
 */
import { BUILD_PIPELINE_ERRORS } from '../../../src/pipeline/build-pipeline-definition';
import {
  AwsError,
  type Container,
  FakeAws,
  APPROVER,
  INPUT,
  REAL,
  TASK_TOKEN_VALUE,
  deployAll,
  failing,
  fakeSha256,
  noAnswer,
  rejectAll,
  runPipeline,
  succeeding,
  tool,
} from '../../helpers/pipeline-fakes';

const TOOLS = [tool('weather'), tool('stock-quotes')];
const ok = () => new FakeAws(REAL, { oi: succeeding({ tools: TOOLS as never }) });
const statuses = (fake: FakeAws) => fake.statusEvents.map((e) => [e.status, e.phase ?? null]);
const HAPPY_STATUSES = [
  ['running', 'core'],
  ['running', 'oi'],
  ['awaiting_approval', null],
  ['deploying', 'deploy'],
  ['completed', null],
];

describe('build pipeline execution', () => {
  it('both phases succeed, the owner approves and the tools deploy: SUCCEEDED, through awaiting_approval and deploying', async () => {
    const fake = ok();
    const outcome = await runPipeline(fake);

    expect(outcome.status).toBe('SUCCEEDED');
    expect(statuses(fake)).toEqual(HAPPY_STATUSES);
    expect(fake.builds.status.get(INPUT.buildId)).toBe('completed');
    // update-build-status got the task's own token, which is what a decision answers.
    expect(fake.approvalRequests).toEqual([{ buildId: INPUT.buildId, status: 'awaiting_approval', taskToken: TASK_TOKEN_VALUE }]);
    const completed = fake.statusEvents[4];
    expect(completed.result).toEqual({
      tools: TOOLS.map((t) => expect.objectContaining({ toolName: t.toolName, functionName: `fable-dev-tool-${t.toolName}` })),
    });

    expect(fake.containerRuns.map((r) => r.phase)).toEqual(['core', 'oi']);
    expect(fake.deployEvents).toEqual(
      TOOLS.map((t) => ({
        action: 'deploy',
        // Each with the sha256 that was approved, which the deployer checks the bundle against.
        payload: {
          toolName: t.toolName,
          s3Key: t.s3Key,
          sha256: fakeSha256(t.s3Key),
          schema: t.schema,
          orgId: INPUT.orgId,
          userId: INPUT.userId,
          buildId: INPUT.buildId,
          approvedBy: APPROVER,
        },
      })),
    );
    // The Lambda tasks called the functions they were configured with.
    expect(new Set(fake.lambdaInvocations.map((i) => `${i.state}=${i.functionName}`))).toEqual(
      new Set([
        ...['MarkCoreRunning', 'MarkOiRunning', 'RecordArtifacts', 'AwaitApproval', 'MarkDeploying', 'MarkCompleted'].map((s) => `${s}=${REAL.updateBuildStatusFunctionArn}`),
        `DeployTool=${REAL.toolDeployerFunctionArn}`,
      ]),
    );
    // The execution input survives to the end.
    expect(outcome.output).toMatchObject({ ...INPUT });
    expect(outcome.entered).not.toContain('MarkFailed');
  });

  it('passes the container exactly FABLE_PHASE, FABLE_BUILD_ID and FABLE_SPEC_KEY', async () => {
    const fake = ok();
    await runPipeline(fake);
    expect(fake.containerRuns.map((r) => r.env)).toEqual([
      { FABLE_PHASE: 'core', FABLE_BUILD_ID: 'b-123', FABLE_SPEC_KEY: 'builds/b-123/spec.json' },
      { FABLE_PHASE: 'oi', FABLE_BUILD_ID: 'b-123', FABLE_SPEC_KEY: 'builds/b-123/spec.json' },
    ]);
    expect(fake.containerRuns[0].params).toMatchObject({
      Cluster: REAL.cluster.arn,
      TaskDefinition: REAL.taskDefinition.arn,
      LaunchType: 'FARGATE',
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
    });
  });

  it('only what the approval names is deployed, with the approved hashes, its build and its approver', async () => {
    const approved = [{ ...TOOLS[0], sha256: 'a'.repeat(64) }];
    const fake = new FakeAws(REAL, { oi: succeeding({ tools: TOOLS as never }), reviewer: async () => ({ tools: approved, approvedBy: APPROVER }) as never });
    const outcome = await runPipeline(fake);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(fake.deployEvents.map((e) => [e.payload.toolName, e.payload.sha256])).toEqual([['weather', 'a'.repeat(64)]]);
    expect(fake.deployEvents.map((e) => [e.payload.buildId, e.payload.approvedBy])).toEqual([[INPUT.buildId, APPROVER]]);
  });

  it('the owner rejects: FAILED as FABLE.BuildRejected, MarkRejected runs, nothing is deployed', async () => {
    const fake = new FakeAws(REAL, { oi: succeeding({ tools: TOOLS as never }), reviewer: rejectAll });
    const outcome = await runPipeline(fake);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe(BUILD_PIPELINE_ERRORS.buildRejected);
    expect(statuses(fake).at(-1)).toEqual(['rejected', null]);
    expect(fake.statusEvents.at(-1)).toMatchObject({ status: 'rejected', error: { Error: 'FABLE.BuildRejected' } });
    expect(outcome.entered).not.toContain('MarkDeploying');
    expect(outcome.entered).not.toContain('MarkFailed');
    expect(fake.deployEvents).toEqual([]);
  });

  it('no decision before the approval timeout: the task times out and the build is rejected (timeout)', async () => {
    const fake = new FakeAws(REAL, { oi: succeeding({ tools: TOOLS as never }), reviewer: noAnswer });
    const outcome = await runPipeline(fake, { props: { ...REAL, approvalTimeoutSeconds: 1 } });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe(BUILD_PIPELINE_ERRORS.approvalTimedOut);
    expect(outcome.entered).toEqual(expect.arrayContaining(['AwaitApproval', 'ApprovalTimedOut', 'MarkRejected', 'BuildRejected']));
    expect(fake.statusEvents.at(-1)).toMatchObject({ status: 'rejected', error: { Error: 'FABLE.ApprovalTimedOut' } });
    expect(fake.builds.status.get(INPUT.buildId)).toBe('rejected');
    expect(fake.deployEvents).toEqual([]);
  });

  it('with approval switched off, the recorded hashes are deployed without waiting', async () => {
    const fake = ok();
    const outcome = await runPipeline(fake, { props: { ...REAL, requireApproval: false } });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.entered).not.toContain('AwaitApproval');
    expect(statuses(fake)).toEqual([
      ['running', 'core'],
      ['running', 'oi'],
      ['deploying', 'deploy'],
      ['completed', null],
    ]);
    expect(fake.deployEvents.map((e) => e.payload.sha256)).toEqual(TOOLS.map((t) => fakeSha256(t.s3Key)));
  });

  it('an OI output with an empty tool list is refused when its artifacts are recorded: nothing to review or deploy', async () => {
    const fake = new FakeAws(REAL, { oi: succeeding({ tools: [] }) });
    fake.statusOverrides.set('RecordArtifacts', () => ({ success: false, error: { code: 'BAD_REQUEST', message: 'artifacts.tools must list at least one tool' } }));
    const outcome = await runPipeline(fake);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe(BUILD_PIPELINE_ERRORS.statusUpdateRejected);
    expect(outcome.entered).not.toContain('AwaitApproval');
    expect(fake.deployEvents).toEqual([]);
  });

  it('CORE reports failure: FAILED, MarkFailed records the failure record, OI never runs', async () => {
    const fake = new FakeAws(REAL, { core: failing('tests did not pass') });
    const outcome = await runPipeline(fake);

    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe(BUILD_PIPELINE_ERRORS.corePhaseFailed);
    expect(statuses(fake)).toEqual([
      ['running', 'core'],
      ['failed', null],
    ]);
    const error = fake.statusEvents[1].error as { Error: string; Cause: string };
    expect(error.Error).toBe('FABLE.CorePhaseFailed');
    expect(JSON.parse(error.Cause)).toEqual({ status: 'failed', error: 'tests did not pass' });
    expect(fake.containerRuns.map((r) => r.phase)).toEqual(['core']); // a build's own failure is never retried
    expect(fake.builds.status.get(INPUT.buildId)).toBe('failed');
  });

  it('CORE writes a failure record but exits 0: the CoreOk? default still fails the build', async () => {
    const fake = new FakeAws(REAL, { core: () => ({ output: { status: 'failed', error: 'no plan' }, exitCode: 0 }) });
    const outcome = await runPipeline(fake);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.entered).toEqual(expect.arrayContaining(['ReadCoreOutput', 'CoreOk?', 'CoreFailed', 'MarkFailed', 'BuildFailed']));
    expect(fake.statusEvents.at(-1)).toMatchObject({ status: 'failed', error: { Error: 'FABLE.CorePhaseFailed' } });
  });

  it('the OI container dies without an output: FAILED with the ECS error recorded', async () => {
    const crash: Container = () => ({ exitCode: 137 });
    const fake = new FakeAws(REAL, { oi: crash });
    const outcome = await runPipeline(fake);

    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe('States.TaskFailed');
    expect(statuses(fake)).toEqual([
      ['running', 'core'],
      ['running', 'oi'],
      ['failed', null],
    ]);
    const error = fake.statusEvents[2].error as { Error: string; Cause: string };
    expect(error.Error).toBe('States.TaskFailed');
    expect(JSON.parse(error.Cause)).toMatchObject({ Containers: [{ ExitCode: 137 }] });
    expect(outcome.entered).toEqual(expect.arrayContaining(['RunOi', 'ReadOiFailure', 'MarkFailed', 'BuildFailed']));
    expect(fake.deployEvents).toEqual([]);
  });

  it('the OI output lists no tools: FAILED before deploying anything', async () => {
    const fake = new FakeAws(REAL, { oi: succeeding() });
    const outcome = await runPipeline(fake);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe(BUILD_PIPELINE_ERRORS.oiPhaseFailed);
    expect(fake.deployEvents).toEqual([]);
  });

  it('a deploy answers success:false: FAILED, no completed status', async () => {
    const fake = new FakeAws(REAL, {
      oi: succeeding({ tools: TOOLS as never }),
      deployer: (event) =>
        event.payload.toolName === 'stock-quotes'
          ? { success: false, error: { code: 'BAD_REQUEST', message: 'schema.description is required' } }
          : deployAll(event),
    });
    const outcome = await runPipeline(fake);

    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe(BUILD_PIPELINE_ERRORS.toolDeployFailed);
    expect(statuses(fake)).toEqual([
      ['running', 'core'],
      ['running', 'oi'],
      ['awaiting_approval', null],
      ['deploying', 'deploy'],
      ['failed', null],
    ]);
    const error = fake.statusEvents[4].error as { Error: string; Cause: string };
    expect(error.Error).toBe('FABLE.ToolDeployFailed');
    expect(error.Cause).toContain('tool stock-quotes was not deployed');
    expect(error.Cause).toContain('schema.description is required');
  });

  it('a malformed tool entry reaching DeployTools fails the build instead of a States.Runtime error', async () => {
    const fake = new FakeAws(REAL, { oi: succeeding({ tools: TOOLS as never }), reviewer: async () => ({ tools: [{ toolName: 'no-key' }], approvedBy: APPROVER }) });
    const outcome = await runPipeline(fake);
    expect(outcome.status).toBe('FAILED');
    expect(fake.statusEvents.at(-1)).toMatchObject({ status: 'failed', error: { Error: BUILD_PIPELINE_ERRORS.invalidToolManifest } });
    expect(fake.deployEvents).toEqual([]);
  });

  it('a transient Lambda error on a status update is retried, then the build succeeds', async () => {
    const fake = ok();
    fake.failNext('MarkOiRunning', new AwsError('Lambda.ServiceException', 'Lambda is unavailable'));
    fake.failNext('MarkOiRunning', new AwsError('Lambda.TooManyRequestsException', 'Rate exceeded'));
    const outcome = await runPipeline(fake);

    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.retried).toEqual(['MarkOiRunning', 'MarkOiRunning']);
    expect(fake.lambdaInvocations.filter((i) => i.state === 'MarkOiRunning')).toHaveLength(3);
    expect(statuses(fake)).toEqual(HAPPY_STATUSES);
  });

  it.each(['MarkOiRunning', 'MarkCompleted'])('%s: an update whose answer was lost is retried; the CONFLICT it then gets counts as done', async (state) => {
    const fake = ok();
    // The write lands, the response is lost, the retry finds the build already there.
    fake.failNext(state, new AwsError('Lambda.SdkClientException', 'socket hang up'), true);
    const outcome = await runPipeline(fake);

    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.retried).toEqual([state]);
    expect(fake.statusEvents).toHaveLength(HAPPY_STATUSES.length + 1);
    expect(outcome.entered).not.toContain('StatusUpdateRejected');
    expect(fake.builds.status.get(INPUT.buildId)).toBe('completed');
  });

  it('any other success:false from update-build-status fails the build before a container runs', async () => {
    const fake = ok();
    const outcome = await runPipeline(fake, { registerBuild: false }); // the table does not know the build
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe(BUILD_PIPELINE_ERRORS.statusUpdateRejected);
    expect(fake.containerRuns).toEqual([]);
    expect(outcome.entered).toEqual(['MarkCoreRunning', 'MarkCoreRunningAccepted?', 'StatusUpdateRejected', 'MarkFailed', 'BuildFailed']);
  });

  it('a handler error (thrown, not answered) is retried a little, then fails the build', async () => {
    const fake = ok();
    for (let i = 0; i < 3; i++) fake.failNext('MarkDeploying', new AwsError('ProvisionedThroughputExceededException', 'slow down'));
    const outcome = await runPipeline(fake);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe('ProvisionedThroughputExceededException');
    expect(fake.lambdaInvocations.filter((i) => i.state === 'MarkDeploying')).toHaveLength(3);
    expect(fake.deployEvents).toEqual([]);
  });

  it('MarkFailed failing does not loop: the execution still ends FAILED with the original error', async () => {
    const fake = new FakeAws(REAL, { core: failing('boom') });
    for (let i = 0; i < 10; i++) fake.failNext('MarkFailed', new AwsError('Lambda.ServiceException', 'down'));
    const outcome = await runPipeline(fake);

    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe(BUILD_PIPELINE_ERRORS.corePhaseFailed);
    expect(outcome.entered.filter((s) => s === 'MarkFailed')).toHaveLength(1);
    expect(outcome.entered.at(-1)).toBe('BuildFailed');
  });

  it('ECS capacity errors are retried (the task never ran)', async () => {
    let attempts = 0;
    const fake = new FakeAws(REAL, {
      core: (run) => {
        attempts += 1;
        if (attempts === 1) throw new AwsError('AmazonECS.Unknown', 'Capacity is unavailable at this time');
        return succeeding()(run);
      },
      oi: succeeding({ tools: [] }),
    });
    const outcome = await runPipeline(fake);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.retried).toEqual(['RunCore']);
  });

  it('a phase that outlives its TimeoutSeconds fails the build (States.Timeout)', async () => {
    let finishContainer: NodeJS.Timeout | undefined;
    const slow: Container = () => new Promise((resolve) => (finishContainer = setTimeout(() => resolve({ output: { status: 'success' }, exitCode: 0 }), 1500)));
    const fake = new FakeAws(REAL, { core: slow });
    const outcome = await runPipeline(fake, { props: { ...REAL, phases: { ...REAL.phases, core: { taskTimeoutSeconds: 1, agentTimeoutSeconds: 1 } } } });
    // The task the state machine gave up on never finishes here, so no timer outlives the test file.
    clearTimeout(finishContainer);
    expect(outcome.status).toBe('FAILED');
    expect(fake.statusEvents.at(-1)).toMatchObject({ status: 'failed', error: { Error: 'States.Timeout' } });
    expect(outcome.entered).not.toContain('ReadCoreFailure');
  });
});
