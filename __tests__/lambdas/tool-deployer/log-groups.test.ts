import { CreateLogGroupCommand, ResourceAlreadyExistsException, ThrottlingException } from '@aws-sdk/client-cloudwatch-logs';
import { deployTool } from '../../../lambdas/tool-deployer/deploy';
import { undeployTool } from '../../../lambdas/tool-deployer/undeploy';
import { deployRequest, logCommands, resetHarness, startHarness, undeployRequest, type Harness } from '../../helpers/tool-deployer-harness';

const FUNCTION = 'fable-test-tool-weather';
const LOG_GROUP = `/aws/lambda/${FUNCTION}`;
const OWN_TAGS = { 'fable:stage': 'test', 'fable:org': 'org-a', 'fable:tool': 'weather' };
/** TOOL_LOG_RETENTION_DAYS in the test settings. */
const RETENTION_DAYS = 14;

const LOG_GROUP_READY = [
  { name: 'CreateLogGroup', input: { logGroupName: LOG_GROUP, tags: OWN_TAGS } },
  { name: 'PutRetentionPolicy', input: { logGroupName: LOG_GROUP, retentionInDays: RETENTION_DAYS } },
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h.lambda.mock.restore();
  h.logs.mock.restore();
  await h.dynamo.stop();
});
beforeEach(() => resetHarness(h));

/** sinon numbers every call of every stub in one sequence, so calls on two clients can be ordered. */
const callIds = (mock: Harness['logs']['mock'] | Harness['lambda']['mock'], name?: string) =>
  mock
    .calls()
    .filter((call) => name === undefined || (call.args[0] as object).constructor.name === `${name}Command`)
    .map((call) => (call as unknown as { callId: number }).callId);

describe("a tool's log group", () => {
  it('is created with the tool’s tags and its retention set before the function exists', async () => {
    await deployTool(h.deps, deployRequest());
    expect(logCommands(h.logs)).toEqual(LOG_GROUP_READY);
    const [createFunction] = callIds(h.lambda.mock, 'CreateFunction');
    expect(Math.max(...callIds(h.logs.mock))).toBeLessThan(createFunction);
  });

  it('is kept on a redeploy (already exists is fine) and gets the retention again, before the code changes', async () => {
    await deployTool(h.deps, deployRequest());
    h.logs.mock.resetHistory();
    h.logs.mock.on(CreateLogGroupCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', $metadata: { httpStatusCode: 400 } }));

    const redeployed = await deployTool(h.deps, deployRequest({ s3Key: 'tools/weather/77bb01.zip' }));
    expect(redeployed.tool.version).toBe(2);
    expect(logCommands(h.logs)).toEqual(LOG_GROUP_READY);
    const [updateCode] = callIds(h.lambda.mock, 'UpdateFunctionCode');
    expect(Math.max(...callIds(h.logs.mock))).toBeLessThan(updateCode);
  });

  it('stops the deploy when it cannot be made ready: no function that would log without retention', async () => {
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    h.logs.mock.on(CreateLogGroupCommand).rejects(throttled);
    await expect(deployTool(h.deps, deployRequest())).rejects.toBe(throttled);
    expect(h.lambda.sentNames()).toEqual(['GetFunction']);
  });

  it('is not touched for a deploy refused to another org', async () => {
    await deployTool(h.deps, deployRequest());
    h.logs.mock.resetHistory();
    await expect(deployTool(h.deps, deployRequest({ orgId: 'org-b' }))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(logCommands(h.logs)).toEqual([]);
  });

  it('outlives an undeploy: its events expire by the retention', async () => {
    await deployTool(h.deps, deployRequest());
    h.logs.mock.resetHistory();
    await undeployTool(h.deps, undeployRequest({ toolName: 'weather', orgId: 'org-a' }));
    expect(logCommands(h.logs)).toEqual([]);
  });
});
