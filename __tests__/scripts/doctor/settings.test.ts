import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_GATEWAY_LOGGING_ROLE_NAME } from '../../../src/api/api-gateway-logging';
import { iamName, stageConfig } from '../../../src/config';
import { readSettings } from '../../../scripts/doctor/settings';
import { PROJECT_ROOT } from '../../helpers/doctor-harness';

describe('doctor settings (read only through src/config.ts and the cdktf context)', () => {
  const projectDir = mkdtempSync(join(tmpdir(), 'fable-doctor-settings-'));
  writeFileSync(join(projectDir, 'cdktf.json'), JSON.stringify({ app: 'npx tsx main.ts', context: { stages: ['dev', 'prod'] } }));
  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

  const stagesOf = (env: NodeJS.ProcessEnv, stageFlags: string[] = [], regionFlag?: string) =>
    readSettings({ env, projectDir, stageFlags, regionFlag }).stages;

  test("defaults to the project's cdktf.json context (dev)", () => {
    expect(readSettings({ env: {}, projectDir: PROJECT_ROOT, stageFlags: [] }).stages.map((stage) => stage.stage)).toEqual(['dev']);
  });

  test('takes the stages of cdktf.json, CDKTF_CONTEXT_JSON over them, --stage over both', () => {
    expect(stagesOf({}).map((stage) => stage.stage)).toEqual(['dev', 'prod']);
    expect(stagesOf({ CDKTF_CONTEXT_JSON: JSON.stringify({ stages: 'prod' }) }).map((stage) => stage.stage)).toEqual(['prod']);
    expect(stagesOf({ CDKTF_CONTEXT_JSON: JSON.stringify({ other: 1 }) }).map((stage) => stage.stage)).toEqual(['dev', 'prod']);
    expect(stagesOf({ CDKTF_CONTEXT_JSON: JSON.stringify({ stages: ['prod'] }) }, ['dev']).map((stage) => stage.stage)).toEqual(['dev']);
    expect(stagesOf({}, ['prod,dev', 'dev']).map((stage) => stage.stage)).toEqual(['prod', 'dev']);
  });

  test('reads each field from stageConfig(stage, overridesFromEnv(env))', () => {
    const [dev, prod] = stagesOf({});
    for (const [settings, config] of [
      [dev, stageConfig('dev')],
      [prod, stageConfig('prod')],
    ] as const) {
      expect(settings).toEqual({
        stage: config.stage,
        region: config.region,
        regionSource: 'stage default',
        auroraEngineVersion: config.aurora.engineVersion,
        auroraMinCapacity: config.aurora.minCapacity,
        buildArchitecture: config.build.architecture,
        prebuiltImageTag: undefined,
        models: Object.entries(config.models)
          .filter(([key]) => key.endsWith('ModelId'))
          .map(([key, modelId]) => ({ use: key.replace(/ModelId$/, ''), modelId })),
        apiGatewayLoggingRoleName: iamName(API_GATEWAY_LOGGING_ROLE_NAME, config.region),
      });
    }
    expect(dev.models.map((model) => model.use)).toEqual(expect.arrayContaining(['router', 'chat', 'build', 'embedding']));
  });

  test("FABLE's API Gateway logging role carries the region outside the default one, as fable-bootstrap names it", () => {
    expect(stagesOf({}, ['dev'])[0].apiGatewayLoggingRoleName).toBe(API_GATEWAY_LOGGING_ROLE_NAME);
    expect(stagesOf({}, ['dev'], 'eu-west-1')[0].apiGatewayLoggingRoleName).toBe(iamName(API_GATEWAY_LOGGING_ROLE_NAME, 'eu-west-1'));
    expect(iamName(API_GATEWAY_LOGGING_ROLE_NAME, 'eu-west-1')).not.toBe(API_GATEWAY_LOGGING_ROLE_NAME);
  });

  test('the region: --region, else FABLE_REGION, else the stage default', () => {
    expect(stagesOf({}, ['dev'])[0]).toMatchObject({ region: stageConfig('dev').region, regionSource: 'stage default' });
    expect(stagesOf({ FABLE_REGION: 'eu-west-1' }, ['dev'])[0]).toMatchObject({ region: 'eu-west-1', regionSource: 'FABLE_REGION' });
    expect(stagesOf({ FABLE_REGION: 'eu-west-1' }, ['dev'], 'ap-southeast-2')[0]).toMatchObject({
      region: 'ap-southeast-2',
      regionSource: '--region',
    });
  });

  test('FABLE_BUILD_IMAGE_TAG selects the prebuilt image; FABLE_STATE_BUCKET is the state bucket', () => {
    const settings = readSettings({
      env: { FABLE_BUILD_IMAGE_TAG: '3f9a0c1e', FABLE_STATE_BUCKET: 'acme-state' },
      projectDir,
      stageFlags: ['dev'],
    });
    expect(settings.stages[0].prebuiltImageTag).toBe('3f9a0c1e');
    expect(settings.stateBucket).toBe('acme-state');
    expect(readSettings({ env: { FABLE_STATE_BUCKET: '' }, projectDir, stageFlags: ['dev'] }).stateBucket).toBeUndefined();
  });

  test("an unknown stage fails with src/config.ts's message", () => {
    expect(() => stagesOf({}, ['qa'])).toThrow(/Unknown stage "qa"/);
  });
});
