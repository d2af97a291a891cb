import { deployerSettings, WAITER_DEFAULTS } from '../../../lambdas/tool-deployer/settings';
import { FUNCTION_SETTINGS } from '../../../lambdas/shared/contract';

const ENV = {
  STAGE: 'dev',
  LOG_LEVEL: 'INFO',
  TOOLS_TABLE: 'fable-dev-tools',
  ARTIFACTS_BUCKET: 'fable-dev-artifacts-123456789012',
  TOOL_ROLE_ARN: 'arn:aws:iam::123456789012:role/fable-dev-tool-execution',
  TOOL_FUNCTION_PREFIX: 'fable-dev-tool-',
  TOOL_RUNTIME: 'nodejs24.x',
  TOOL_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/fable-dev-tool-boundary',
  TOOL_LOG_RETENTION_DAYS: '14',
  TOOL_RESERVED_CONCURRENCY: '5',
  AUDIT_TABLE: 'fable-dev-audit',
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
      logRetentionDays: 14,
      reservedConcurrency: 5,
      waiter: WAITER_DEFAULTS,
    });
    // Three waits must fit in the deployer's timeout with room for the API calls.
    expect(3 * WAITER_DEFAULTS.maxWaitTime).toBeLessThan(FUNCTION_SETTINGS['tool-deployer'].timeoutSeconds - 60);
  });

  it.each([['my-tool-'], ['fable-dev-'], ['fable-DEV-tool-'], ['fable-dev-tool'], ['fable-prod-tool-']])('refuses the prefix %s (the stage is dev)', (prefix) => {
    expect(() => deployerSettings({ ...ENV, TOOL_FUNCTION_PREFIX: prefix })).toThrow('TOOL_FUNCTION_PREFIX');
  });

  it.each(['0', '-7', 'fourteen'])('refuses TOOL_LOG_RETENTION_DAYS=%s at cold start', (days) => {
    expect(() => deployerSettings({ ...ENV, TOOL_LOG_RETENTION_DAYS: days })).toThrow(`TOOL_LOG_RETENTION_DAYS must be a positive integer, got "${days}".`);
  });

  it('refuses a retention CloudWatch Logs does not offer', () => {
    expect(() => deployerSettings({ ...ENV, TOOL_LOG_RETENTION_DAYS: '10' })).toThrow("TOOL_LOG_RETENTION_DAYS must be one of CloudWatch's retention periods");
  });

  it('refuses a runtime Lambda does not know', () => {
    expect(() => deployerSettings({ ...ENV, TOOL_RUNTIME: 'node24' })).toThrow('TOOL_RUNTIME');
  });
});
