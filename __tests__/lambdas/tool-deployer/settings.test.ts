import { deployerSettings, WAITER_DEFAULTS } from '../../../lambdas/tool-deployer/settings';

const ENV = {
  TOOLS_TABLE: 'fable-dev-tools',
  ARTIFACTS_BUCKET: 'fable-dev-artifacts-123456789012',
  TOOL_ROLE_ARN: 'arn:aws:iam::123456789012:role/fable-dev-tool-execution',
  TOOL_FUNCTION_PREFIX: 'fable-dev-tool-',
  TOOL_RUNTIME: 'nodejs24.x',
  TOOL_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/fable-dev-tool-boundary',
  TOOL_LOG_RETENTION_DAYS: '14',
};

describe('deployerSettings', () => {
  it('reads the contract variables, the stage from the prefix, and bounded production waits', () => {
    expect(deployerSettings(ENV)).toEqual({
      tableName: 'fable-dev-tools',
      bucket: 'fable-dev-artifacts-123456789012',
      roleArn: 'arn:aws:iam::123456789012:role/fable-dev-tool-execution',
      functionPrefix: 'fable-dev-tool-',
      runtime: 'nodejs24.x',
      stage: 'dev',
      waiter: WAITER_DEFAULTS,
    });
    // Three waits must fit in the deployer's 600 s timeout with room for the API calls.
    expect(3 * WAITER_DEFAULTS.maxWaitTime).toBeLessThan(600 - 60);
  });

  it.each([['my-tool-'], ['fable-dev-'], ['fable-DEV-tool-'], ['fable-dev-tool']])('refuses the prefix %s', (prefix) => {
    expect(() => deployerSettings({ ...ENV, TOOL_FUNCTION_PREFIX: prefix })).toThrow('TOOL_FUNCTION_PREFIX');
  });

  it('refuses a runtime Lambda does not know', () => {
    expect(() => deployerSettings({ ...ENV, TOOL_RUNTIME: 'node24' })).toThrow('TOOL_RUNTIME');
  });
});
