import { iamName, overridesFromEnv, PHASE_TIMEOUT_MARGIN_SECONDS, resourceName, selectedStages, stageConfig, STAGE_DEFAULTS, stagePrefix, type StageOverrides } from '../../src/config';

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

  it('leaves the state bucket unset without FABLE_STATE_BUCKET (a review-only synth), never a default name', () => {
    expect(stageConfig('dev').stateBucket).toBeUndefined();
  });

  it('derives each build phase\'s deadlines from its own setting', () => {
    const { build, phases } = stageConfig('dev');
    expect(phases).toEqual({
      core: { taskTimeoutSeconds: build.coreTimeoutSeconds, agentTimeoutSeconds: build.coreTimeoutSeconds - PHASE_TIMEOUT_MARGIN_SECONDS },
      oi: { taskTimeoutSeconds: build.oiTimeoutSeconds, agentTimeoutSeconds: build.oiTimeoutSeconds - PHASE_TIMEOUT_MARGIN_SECONDS },
    });
  });

  it('pins the build agent\'s small/fast model alongside its main model', () => {
    expect(stageConfig('dev').models.buildSmallModelId).toMatch(/haiku/);
  });

  it.each<[string, (d: typeof STAGE_DEFAULTS.dev) => typeof STAGE_DEFAULTS.dev, RegExp]>([
    ['phase timeouts that outlast the machine', (d) => ({ ...d, build: { ...d.build, coreTimeoutSeconds: 4000, oiTimeoutSeconds: 3200 } }), /build\.pipelineTimeoutSeconds must exceed build\.coreTimeoutSeconds \+ build\.oiTimeoutSeconds \(7200\)/],
    ['a phase too short to upload its failure record', (d) => ({ ...d, build: { ...d.build, coreTimeoutSeconds: 200 } }), /build\.coreTimeoutSeconds/],
    ['0 ACU without auto-pause', (d) => ({ ...d, aurora: { ...d.aurora, secondsUntilAutoPause: undefined } }), /aurora\.secondsUntilAutoPause is required when aurora\.minCapacity is 0/],
    ['more NAT gateways than AZs', (d) => ({ ...d, natGateways: 3 }), /natGateways/],
    ['a retention CloudWatch does not offer', (d) => ({ ...d, logRetentionDays: 10 }), /logRetentionDays must be one of CloudWatch's retention periods/],
    ['an Aurora version outside PostgreSQL 16', (d) => ({ ...d, aurora: { ...d.aurora, engineVersion: '15.10' } }), /aurora\.engineVersion/],
  ])('refuses %s, naming the field', (_name, change, message) => {
    expect(() => stageConfig('dev', {}, { dev: change(STAGE_DEFAULTS.dev) })).toThrow(message);
  });

  it('logs at DEBUG in dev and INFO in prod, where message content is never logged', () => {
    expect(stageConfig('dev').logLevel).toBe('DEBUG');
    expect(stageConfig('prod').logLevel).toBe('INFO');
  });

  it('pages nobody by default, and prod at lower thresholds than dev', () => {
    const dev = stageConfig('dev').alarms;
    const prod = stageConfig('prod').alarms;
    expect(dev.emails).toEqual([]);
    expect(prod.emails).toEqual([]);
    expect(prod.thresholds.functionErrors).toBeLessThan(dev.thresholds.functionErrors);
    expect(prod.thresholds.functionErrorRatePercent).toBeLessThan(dev.thresholds.functionErrorRatePercent);
    expect(prod.thresholds.functionThrottles).toBeLessThan(dev.thresholds.functionThrottles);
    expect(prod.thresholds.websocketExecutionErrors).toBeLessThan(dev.thresholds.websocketExecutionErrors);
    expect(prod.thresholds.auroraCapacityFraction).toBeLessThan(dev.thresholds.auroraCapacityFraction);
  });

  it('takes the alarm e-mail addresses from the environment\'s overrides, keeping the stage\'s thresholds', () => {
    const config = stageConfig('prod', { alarmEmails: ['oncall@example.com', 'ops@example.com'] });
    expect(config.alarms.emails).toEqual(['oncall@example.com', 'ops@example.com']);
    expect(config.alarms.thresholds).toEqual(STAGE_DEFAULTS.prod.alarms.thresholds);
  });

  it('refuses an alarm address that is not an e-mail address, or one named twice', () => {
    expect(() => stageConfig('dev', { alarmEmails: ['oncall'] })).toThrow(/alarms\.emails\.0 must be an e-mail address/);
    expect(() => stageConfig('dev', { alarmEmails: ['a@example.com', 'A@example.com'] })).toThrow(/alarms\.emails must not name an address twice/);
  });

  it.each<[string, Partial<typeof STAGE_DEFAULTS.dev.alarms.thresholds>, RegExp]>([
    ['a capacity fraction above 1', { auroraCapacityFraction: 1.5 }, /alarms\.thresholds\.auroraCapacityFraction/],
    ['an error rate of 0%', { functionErrorRatePercent: 0 }, /alarms\.thresholds\.functionErrorRatePercent/],
    ['a throttle count of 0', { functionThrottles: 0 }, /alarms\.thresholds\.functionThrottles/],
  ])('refuses an alarm threshold with %s, naming it', (_name, thresholds, message) => {
    const dev = STAGE_DEFAULTS.dev;
    const changed = { ...dev, alarms: { ...dev.alarms, thresholds: { ...dev.alarms.thresholds, ...thresholds } } };
    expect(() => stageConfig('dev', {}, { dev: changed })).toThrow(message);
  });

  it('refuses a log level Powertools does not know', () => {
    expect(() => stageConfig('dev', {}, { dev: { ...STAGE_DEFAULTS.dev, logLevel: 'VERBOSE' as never } })).toThrow(/logLevel/);
  });

  it('refuses WARN and ERROR: Lambda would then drop the metric records, which it files as INFO', () => {
    for (const level of ['WARN', 'ERROR']) {
      expect(() => stageConfig('dev', {}, { dev: { ...STAGE_DEFAULTS.dev, logLevel: level as never } })).toThrow(/logLevel/);
    }
  });

  it('refuses a prebuilt image tag ECR would not accept', () => {
    expect(() => stageConfig('dev', { buildImageTag: '-bad tag' })).toThrow(/build\.image/);
  });

  it('keeps every stage closed to connections without a token and to self sign-up; offers MFA in dev, requires it in prod', () => {
    expect(stageConfig('dev').auth).toEqual({
      allowAnonymous: false,
      selfSignUp: false,
      mfa: 'optional',
      callbackUrls: ['http://localhost:3000/callback'],
      logoutUrls: ['http://localhost:3000/'],
    });
    expect(stageConfig('prod').auth).toEqual({ allowAnonymous: false, selfSignUp: false, mfa: 'required', callbackUrls: [], logoutUrls: [] });
  });

  it('takes the web app\'s sign-in URLs and the hosted domain prefix from the environment', () => {
    const { auth } = stageConfig('prod', {
      authCallbackUrls: ['https://app.example.com/callback'],
      authLogoutUrls: ['https://app.example.com/'],
      authDomainPrefix: 'fable-sign-in',
    });
    expect(auth).toMatchObject({ callbackUrls: ['https://app.example.com/callback'], logoutUrls: ['https://app.example.com/'], domainPrefix: 'fable-sign-in' });
  });

  it.each<[string, StageOverrides, RegExp]>([
    ['a plain-http callback to another host', { authCallbackUrls: ['http://app.example.com/callback'] }, /auth\.callbackUrls\.0 must use https \(plain http only for localhost\): "http:\/\/app\.example\.com\/callback"/],
    ['a callback with a fragment', { authCallbackUrls: ['https://app.example.com/#/callback'] }, /auth\.callbackUrls\.0 must not have a #fragment/],
    ['a sign-out URL that is not a URL', { authLogoutUrls: ['app.example.com'] }, /auth\.logoutUrls\.0 must be an absolute URL/],
    ['a domain prefix Cognito reserves', { authDomainPrefix: 'fable-cognito' }, /auth\.domainPrefix must not contain "aws", "amazon" or "cognito"/],
    ['a domain prefix with capitals', { authDomainPrefix: 'Fable' }, /auth\.domainPrefix must be 1-63 lowercase letters/],
  ])('refuses %s, naming the setting and the value', (_name, overrides, message) => {
    expect(() => stageConfig('prod', overrides)).toThrow(message);
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
    expect(overridesFromEnv({ FABLE_STATE_BUCKET: 'b', FABLE_REGION: '', FABLE_BUILD_IMAGE_TAG: 't' })).toMatchObject({
      stateBucket: 'b',
      region: undefined,
      buildImageTag: 't',
      alarmEmails: undefined,
    });
  });

  it('reads the FABLE_AUTH_* sign-in settings, URL lists comma-separated', () => {
    expect(
      overridesFromEnv({
        FABLE_AUTH_CALLBACK_URLS: 'https://a.example.com/cb, https://b.example.com/cb',
        FABLE_AUTH_LOGOUT_URLS: 'https://a.example.com/',
        FABLE_AUTH_DOMAIN_PREFIX: 'fable-sign-in',
      }),
    ).toMatchObject({
      authCallbackUrls: ['https://a.example.com/cb', 'https://b.example.com/cb'],
      authLogoutUrls: ['https://a.example.com/'],
      authDomainPrefix: 'fable-sign-in',
    });
    expect(overridesFromEnv({ FABLE_AUTH_CALLBACK_URLS: '' })).toMatchObject({ authCallbackUrls: undefined, authLogoutUrls: undefined, authDomainPrefix: undefined });
  });

  it('reads FABLE_ALARM_EMAILS as a comma-separated list, ignoring blanks', () => {
    expect(overridesFromEnv({ FABLE_ALARM_EMAILS: ' oncall@example.com, ,ops@example.com ' }).alarmEmails).toEqual(['oncall@example.com', 'ops@example.com']);
    expect(overridesFromEnv({ FABLE_ALARM_EMAILS: ' , ' }).alarmEmails).toBeUndefined();
  });
});

it('names resources fable-<stage>-<component>', () => {
  expect(stagePrefix('dev')).toBe('fable-dev');
  expect(resourceName('dev', 'chat')).toBe('fable-dev-chat');
});

it('names IAM resources as DESIGN.md does in the default region, region-qualified elsewhere', () => {
  expect(iamName('fable-dev-chat', 'us-west-2')).toBe('fable-dev-chat');
  expect(iamName('fable-dev-chat', 'eu-west-1')).toBe('fable-dev-chat-eu-west-1');
  expect(() => iamName(`fable-dev-${'x'.repeat(50)}`, 'eu-west-1')).toThrow(/longer than 64/);
});
