import { overridesFromEnv, resourceName, selectedStages, stageConfig } from '../../src/config';

describe('stageConfig', () => {
  it('gives dev one NAT gateway, a pausable Aurora and no protection', () => {
    const dev = stageConfig('dev');
    expect(dev.natGateways).toBe(1);
    expect(dev.aurora.minCapacity).toBe(0);
    expect(dev.aurora.secondsUntilAutoPause).toBeGreaterThan(0);
    expect(dev.aurora.deletionProtection).toBe(false);
    expect(dev.deletionProtection).toBe(false);
    expect(dev.forceDestroy).toBe(true);
    expect(dev.region).toBe('us-west-2');
  });

  it('gives prod a NAT gateway per AZ, 0.5 ACU minimum and every protection on', () => {
    const prod = stageConfig('prod');
    expect(prod.natGateways).toBe(2);
    expect(prod.aurora.minCapacity).toBe(0.5);
    expect(prod.aurora.deletionProtection).toBe(true);
    expect(prod.aurora.finalSnapshot).toBe(true);
    expect(prod.deletionProtection).toBe(true);
    expect(prod.forceDestroy).toBe(false);
    expect(prod.logRetentionDays).toBeGreaterThan(stageConfig('dev').logRetentionDays);
  });

  it('keeps backups for at least 7 days in every stage', () => {
    for (const stage of ['dev', 'prod']) expect(stageConfig(stage).aurora.backupRetentionDays).toBeGreaterThanOrEqual(7);
  });

  it('applies environment overrides for state bucket, region and a prebuilt image tag', () => {
    const config = stageConfig('dev', { stateBucket: 'my-state', region: 'eu-west-1', buildImageTag: 'abc123' });
    expect(config.stateBucket).toBe('my-state');
    expect(config.region).toBe('eu-west-1');
    expect(config.build.image).toEqual({ source: 'prebuilt', tag: 'abc123' });
  });

  it('rejects unknown and malformed stage names with a clear message', () => {
    expect(() => stageConfig('staging')).toThrow(/Unknown stage "staging"/);
    expect(() => stageConfig('Dev!')).toThrow(/Invalid stage name/);
  });
});

describe('selectedStages', () => {
  it('defaults to dev', () => {
    expect(selectedStages(undefined)).toEqual(['dev']);
    expect(selectedStages('')).toEqual(['dev']);
  });

  it('accepts a list or a comma-separated string and drops duplicates', () => {
    expect(selectedStages(['dev', 'prod', 'dev'])).toEqual(['dev', 'prod']);
    expect(selectedStages('dev, prod')).toEqual(['dev', 'prod']);
  });

  it('rejects a value that is not a list of names', () => {
    expect(() => selectedStages([])).toThrow(/non-empty list/);
    expect(() => selectedStages([1])).toThrow(/non-empty list/);
    expect(() => selectedStages({ dev: true })).toThrow(/non-empty list/);
  });
});

describe('overridesFromEnv', () => {
  it('reads FABLE_STATE_BUCKET, FABLE_REGION and FABLE_BUILD_IMAGE_TAG, ignoring empty values', () => {
    expect(overridesFromEnv({ FABLE_STATE_BUCKET: 'b', FABLE_REGION: '', FABLE_BUILD_IMAGE_TAG: 't' })).toEqual({
      stateBucket: 'b',
      region: undefined,
      buildImageTag: 't',
    });
  });
});

it('names resources fable-<stage>-<component>', () => {
  expect(resourceName('dev', 'chat')).toBe('fable-dev-chat');
});
