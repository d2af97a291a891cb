/**
 * tool-deployer rollback: `live` moves back to an earlier published version, the record takes
 * that version's code and schema (what chat offers), and the move is audited; only the owning org
 * may. DynamoDB Local holds the tools and audit tables; the fake Lambda control plane keeps
 * versions and aliases.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { deployTool } from '../../../lambdas/tool-deployer/deploy';
import { invokeToolDeployer } from '../../../lambdas/tool-deployer/dispatch';
import { rollbackTool } from '../../../lambdas/tool-deployer/rollback';
import { getToolVersion, rollbackToolRecord } from '../../../lambdas/tool-deployer/records';
import { toolRollbackEvent } from '../../../lambdas/shared/contract';
import { HandlerError } from '../../../lambdas/shared/responses';
import { parseInput } from '../../../lambdas/shared/validation';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { bundleBytes, deployRequest, resetHarness, sha256Of, startHarness, toolItem, WEATHER_SCHEMA, type Harness } from '../../helpers/tool-deployer-harness';

const FUNCTION = 'fable-test-tool-weather';
const V2_SCHEMA = { ...WEATHER_SCHEMA, description: 'Weather, now with wind' };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h.lambda.mock.restore();
  await h.dynamo.stop();
});
beforeEach(() => resetHarness(h));

const rollbackRequest = (payload: Record<string, unknown>) => parseInput(toolRollbackEvent, { action: 'rollback', payload }).payload;

async function errorOf(work: Promise<unknown>): Promise<HandlerError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HandlerError);
  return error as HandlerError;
}

/** Three deployments: v1 (3f2a9c), v2 (new schema), v3. */
async function deployThree(): Promise<void> {
  await deployTool(h.deps, deployRequest({ buildId: 'b-1', approvedBy: 'user-1' }));
  await deployTool(h.deps, deployRequest({ s3Key: 'tools/weather/v2.zip', schema: V2_SCHEMA, memorySize: 512, buildId: 'b-2' }));
  await deployTool(h.deps, deployRequest({ s3Key: 'tools/weather/v3.zip', userId: 'user-3' }));
}

const versionEntry = async (version: number) =>
  (await h.doc.send(new GetCommand({ TableName: h.tableName, Key: { PK: 'TOOL#weather', SK: `VERSION#${String(version).padStart(10, '0')}` } }))).Item;

describe('version history', () => {
  it('every deploy publishes a version and keeps its entry: version, Lambda version, sha256, build, approver, time', async () => {
    await deployThree();
    expect(h.lambda.functions.get(FUNCTION)!.versions).toEqual([
      { version: '1', s3Key: 'tools/weather/3f2a9c.zip' },
      { version: '2', s3Key: 'tools/weather/v2.zip' },
      { version: '3', s3Key: 'tools/weather/v3.zip' },
    ]);
    expect(h.lambda.live(FUNCTION)?.version).toBe('3');
    expect(await versionEntry(1)).toEqual({
      PK: 'TOOL#weather',
      SK: 'VERSION#0000000001',
      toolName: 'weather',
      version: 1,
      lambdaVersion: '1',
      s3Key: 'tools/weather/3f2a9c.zip',
      sha256: sha256Of(bundleBytes('tools/weather/3f2a9c.zip')),
      buildId: 'b-1',
      approvedBy: 'user-1',
      userId: 'user-1',
      schema: WEATHER_SCHEMA,
      memorySize: 256,
      timeout: 30,
      deployedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await versionEntry(3)).toMatchObject({ version: 3, lambdaVersion: '3', userId: 'user-3' });
    expect(await versionEntry(3)).not.toHaveProperty('approvedBy');
  });
});

describe('rollback', () => {
  it('by default moves live to the version before the live one, and the record takes that version\'s code and schema', async () => {
    await deployThree();
    h.lambda.clearHistory();

    const result = await rollbackTool(h.deps, rollbackRequest({ toolName: 'weather', orgId: 'org-a', userId: 'user-7' }));

    expect(result).toEqual({ toolName: 'weather', version: 2, fromVersion: 3, lambdaVersion: '2' });
    expect(h.lambda.sent()).toEqual([{ name: 'UpdateAlias', input: { FunctionName: FUNCTION, Name: 'live', FunctionVersion: '2' } }]);
    expect(h.lambda.live(FUNCTION)).toEqual({ version: '2', s3Key: 'tools/weather/v2.zip' });
    expect(await toolItem(h, 'weather')).toMatchObject({
      version: 3,
      liveVersion: 2,
      lambdaVersion: '2',
      s3Key: 'tools/weather/v2.zip',
      schema: V2_SCHEMA,
      memorySize: 512,
      functionUrl: h.lambda.urlOf(FUNCTION, 'live'),
    });
    const rolledBack = (await auditEvents(h.doc, h.auditTable)).filter((e) => e.type === 'tool_rolled_back');
    expect(rolledBack).toEqual([
      storedEvent({
        type: 'tool_rolled_back',
        orgId: 'org-a',
        userId: 'user-7',
        actor: 'user:user-7',
        target: 'tool:weather',
        outcome: 'success',
        detail: { version: 2, fromVersion: 3 },
      }),
    ]);

    // Again: the one before 2.
    expect(await rollbackTool(h.deps, rollbackRequest({ toolName: 'weather', orgId: 'org-a' }))).toMatchObject({ version: 1, fromVersion: 2 });
    expect(h.lambda.live(FUNCTION)?.version).toBe('1');
  });

  it('moves live to a named version, and a later deploy makes the new version live again, numbering on', async () => {
    await deployThree();
    expect(await rollbackTool(h.deps, rollbackRequest({ toolName: 'weather', orgId: 'org-a', version: 1 }))).toMatchObject({ version: 1, fromVersion: 3 });
    expect(await toolItem(h, 'weather')).toMatchObject({ liveVersion: 1, s3Key: 'tools/weather/3f2a9c.zip', schema: WEATHER_SCHEMA });

    const next = await deployTool(h.deps, deployRequest({ s3Key: 'tools/weather/v4.zip' }));
    expect(next.tool.version).toBe(4);
    expect(h.lambda.live(FUNCTION)).toEqual({ version: '4', s3Key: 'tools/weather/v4.zip' });
    expect(await toolItem(h, 'weather')).toMatchObject({ version: 4, liveVersion: 4, lambdaVersion: '4' });
  });

  it('asking for the live version changes nothing', async () => {
    await deployThree();
    h.lambda.clearHistory();
    expect(await rollbackTool(h.deps, rollbackRequest({ toolName: 'weather', orgId: 'org-a', version: 3 }))).toEqual({ toolName: 'weather', version: 3, fromVersion: 3, lambdaVersion: '3' });
    expect(h.lambda.sent()).toEqual([]);
    expect((await auditEvents(h.doc, h.auditTable)).filter((e) => e.type === 'tool_rolled_back')).toEqual([]);
  });

  it('NOT_FOUND for an unknown version, for nothing before the first, and for an unknown tool; nothing moves', async () => {
    await deployTool(h.deps, deployRequest());
    h.lambda.clearHistory();
    expect((await errorOf(rollbackTool(h.deps, rollbackRequest({ toolName: 'weather', orgId: 'org-a', version: 9 })))).code).toBe('NOT_FOUND');
    const first = await errorOf(rollbackTool(h.deps, rollbackRequest({ toolName: 'weather', orgId: 'org-a' })));
    expect(first).toMatchObject({ code: 'NOT_FOUND', message: 'Tool weather has no version before 1' });
    expect((await errorOf(rollbackTool(h.deps, rollbackRequest({ toolName: 'other', orgId: 'org-a' })))).code).toBe('NOT_FOUND');
    expect(h.lambda.sent()).toEqual([]);
  });

  it('is refused with FORBIDDEN for another org, recorded as forbidden, and nothing moves', async () => {
    await deployThree();
    const before = await toolItem(h, 'weather');
    h.lambda.clearHistory();

    const error = await errorOf(rollbackTool(h.deps, rollbackRequest({ toolName: 'weather', orgId: 'org-b', version: 1 })));
    expect(error.code).toBe('FORBIDDEN');
    expect(h.lambda.sent()).toEqual([]);
    expect(await toolItem(h, 'weather')).toEqual(before);
    const forbidden = (await auditEvents(h.doc, h.auditTable)).filter((e) => e.type === 'forbidden');
    expect(forbidden).toEqual([
      storedEvent({ type: 'forbidden', orgId: 'org-b', actor: 'org:org-b', target: 'tool:weather', outcome: 'denied', detail: { action: 'tool.rollback' } }),
    ]);
  });

  it('a record changed by a concurrent deploy makes the rollback a CONFLICT (the retry sees the new state)', async () => {
    await deployThree();
    const stale = (await toolItem(h, 'weather'))!;
    await deployTool(h.deps, deployRequest({ s3Key: 'tools/weather/v4.zip' }));
    const records = { dynamo: h.doc, tableName: h.tableName, audit: h.deps.audit };
    const target = (await getToolVersion(records, 'weather', 1))!;
    const error = await errorOf(rollbackToolRecord(records, stale as never, target, 'user-1', new Date().toISOString()));
    expect(error.code).toBe('CONFLICT');
    expect(await toolItem(h, 'weather')).toMatchObject({ version: 4, liveVersion: 4 });
  });

  it('is an action of the deployer\'s direct-invoke contract', async () => {
    await deployThree();
    const response = await invokeToolDeployer({ action: 'rollback', payload: { toolName: 'weather', orgId: 'org-a' } }, h.deps);
    expect(response).toEqual({ success: true, toolName: 'weather', version: 2, fromVersion: 3, lambdaVersion: '2' });
    expect(await invokeToolDeployer({ action: 'rollback', payload: { toolName: 'weather', orgId: 'org-a', version: 0 } }, h.deps)).toMatchObject({
      success: false,
      error: { code: 'BAD_REQUEST' },
    });
  });
});
