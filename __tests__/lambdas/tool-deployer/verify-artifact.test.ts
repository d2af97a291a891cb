/** Only the approved bytes are deployed: the deployer hashes the bundle itself before any Lambda call. */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { invokeToolDeployer } from '../../../lambdas/tool-deployer/dispatch';
import { bundleBytes, deployPayload, resetHarness, sha256Of, startHarness, type Harness } from '../../helpers/tool-deployer-harness';
import { captureOutput } from '../../helpers/telemetry';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h.lambda.mock.restore();
  h.bundles.mock.restore();
  await h.dynamo.stop();
});
beforeEach(() => resetHarness(h));

const deploy = (payload: Record<string, unknown>) => invokeToolDeployer({ action: 'deploy', payload }, h.deps);
const itemsIn = async (table: string) => (await h.doc.send(new ScanCommand({ TableName: table }))).Items ?? [];

describe('the bundle check before a deploy', () => {
  it('deploys a bundle whose bytes hash to the sha256 it names', async () => {
    const payload = deployPayload();
    expect(payload.sha256).toBe(sha256Of(bundleBytes('tools/weather/3f2a9c.zip')));
    expect(await deploy(payload)).toMatchObject({ success: true, tool: { toolName: 'weather', version: 1 } });
  });

  it('a bundle changed after its approval is refused (CONFLICT) before any Lambda call: no function, no record, no event', async () => {
    const output = captureOutput();
    const payload = deployPayload();
    h.bundles.swapped.set('tools/weather/3f2a9c.zip', 'tampered bytes');

    expect(await deploy(payload)).toEqual({
      success: false,
      error: {
        code: 'CONFLICT',
        message: `The bundle of weather is not the approved one (its SHA-256 is ${sha256Of('tampered bytes')}, not ${payload.sha256}); nothing was deployed`,
      },
    });
    expect(h.lambda.sent()).toEqual([]);
    expect(await itemsIn(h.tableName)).toEqual([]);
    expect(await itemsIn(h.auditTable)).toEqual([]);
    output.restore();
    expect(output.logs()).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'bundle hash mismatch', toolName: 'weather', actual: sha256Of('tampered bytes') }));
  });

  it('a bundle that is not in the bucket is BAD_REQUEST, and nothing is deployed', async () => {
    h.bundles.swapped.set('tools/weather/missing.zip', null);
    expect(await deploy(deployPayload({ s3Key: 'tools/weather/missing.zip' }))).toEqual({ success: false, error: { code: 'BAD_REQUEST', message: 'Bundle tools/weather/missing.zip does not exist' } });
    expect(h.lambda.sent()).toEqual([]);
  });

  it.each([
    ['without a sha256', { sha256: undefined }, 'payload.sha256 is required'],
    ['with a sha256 that is not 64 lowercase hex digits', { sha256: 'ABC' }, 'payload.sha256 must be a SHA-256 as 64 lowercase hex digits'],
  ])('a deploy %s is BAD_REQUEST and reads nothing', async (_label, overrides, message) => {
    expect(await deploy(deployPayload(overrides))).toEqual({ success: false, error: { code: 'BAD_REQUEST', message } });
    expect(h.bundles.mock.calls()).toHaveLength(0);
    expect(h.lambda.sent()).toEqual([]);
  });
});
