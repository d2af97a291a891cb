import { ServiceException } from '@aws-sdk/client-lambda';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { deployTool } from '../../../lambdas/tool-deployer/deploy';
import { undeployTool } from '../../../lambdas/tool-deployer/undeploy';
import { HandlerError } from '../../../lambdas/shared/responses';
import { deployRequest, resetHarness, startHarness, toolItem, undeployRequest, type Harness } from '../../helpers/tool-deployer-harness';

const FUNCTION = 'fable-test-tool-weather';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h.lambda.mock.restore();
  await h.dynamo.stop();
});
beforeEach(() => resetHarness(h));

/** The sort keys of every item of the tools table. */
async function tableKeys(): Promise<string[]> {
  const { Items = [] } = await h.doc.send(new ScanCommand({ TableName: h.tableName, ConsistentRead: true }));
  return Items.map((item) => item.SK as string).sort();
}

async function errorOf(work: Promise<unknown>): Promise<HandlerError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HandlerError);
  return error as HandlerError;
}

describe('undeploy', () => {
  it('deletes the live Function URL, the function with every version, the version history, then the record', async () => {
    await deployTool(h.deps, deployRequest());
    await deployTool(h.deps, deployRequest({ s3Key: 'tools/weather/second.zip' }));
    expect(await tableKeys()).toEqual(['META', 'VERSION#0000000001', 'VERSION#0000000002']);
    h.lambda.clearHistory();

    const result = await undeployTool(h.deps, undeployRequest({ toolName: 'weather', orgId: 'org-a' }));

    expect(result).toEqual({ toolName: 'weather', functionName: FUNCTION });
    // DeleteFunction without a qualifier removes the function with all its versions and aliases.
    expect(h.lambda.sent()).toEqual([
      { name: 'DeleteFunctionUrlConfig', input: { FunctionName: FUNCTION, Qualifier: 'live' } },
      { name: 'DeleteFunction', input: { FunctionName: FUNCTION } },
    ]);
    expect(h.lambda.functions.has(FUNCTION)).toBe(false);
    expect(await tableKeys()).toEqual([]);
  });

  it('is refused with FORBIDDEN for another org, and nothing is deleted', async () => {
    await deployTool(h.deps, deployRequest());
    const before = await toolItem(h, 'weather');
    h.lambda.clearHistory();

    const error = await errorOf(undeployTool(h.deps, undeployRequest({ toolName: 'weather', orgId: 'org-b' })));

    expect(error.code).toBe('FORBIDDEN');
    expect(h.lambda.sent()).toEqual([]);
    expect(h.lambda.functions.has(FUNCTION)).toBe(true);
    expect(await toolItem(h, 'weather')).toEqual(before);
  });

  it('uses the default org when none is given, so another org cannot remove it that way either', async () => {
    await deployTool(h.deps, deployRequest());
    expect((await errorOf(undeployTool(h.deps, undeployRequest({ toolName: 'weather' })))).code).toBe('FORBIDDEN');

    await deployTool(h.deps, deployRequest({ toolName: 'clock', s3Key: 'tools/clock/1.zip', orgId: undefined }));
    await expect(undeployTool(h.deps, undeployRequest({ toolName: 'clock' }))).resolves.toEqual({ toolName: 'clock', functionName: 'fable-test-tool-clock' });
  });

  it('answers NOT_FOUND for a tool that was never deployed, without calling Lambda', async () => {
    const error = await errorOf(undeployTool(h.deps, undeployRequest({ toolName: 'weather', orgId: 'org-a' })));
    expect(error.code).toBe('NOT_FOUND');
    expect(h.lambda.sent()).toEqual([]);
  });

  it('tolerates a function and URL already gone, and still removes the record', async () => {
    await deployTool(h.deps, deployRequest());
    h.lambda.functions.delete(FUNCTION);
    h.lambda.clearHistory();

    await undeployTool(h.deps, undeployRequest({ toolName: 'weather', orgId: 'org-a' }));

    expect(h.lambda.sentNames()).toEqual(['DeleteFunctionUrlConfig', 'DeleteFunction']);
    expect(await toolItem(h, 'weather')).toBeUndefined();
  });

  it('keeps the record when deleting the function fails, so the undeploy can simply run again', async () => {
    await deployTool(h.deps, deployRequest());
    h.lambda.failNext('DeleteFunction', new ServiceException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }));

    await expect(undeployTool(h.deps, undeployRequest({ toolName: 'weather', orgId: 'org-a' }))).rejects.toMatchObject({ name: 'ServiceException' });
    expect(await toolItem(h, 'weather')).toMatchObject({ toolName: 'weather' });

    await undeployTool(h.deps, undeployRequest({ toolName: 'weather', orgId: 'org-a' }));
    expect(h.lambda.functions.has(FUNCTION)).toBe(false);
    expect(await toolItem(h, 'weather')).toBeUndefined();
  });
});
