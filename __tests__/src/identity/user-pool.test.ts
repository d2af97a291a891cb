import { NodeLambda } from '../../../src/compute/node-lambda';
import { SIGN_IN_URLS_MESSAGE, UserPool } from '../../../src/identity/user-pool';
import type { StageOverrides } from '../../../src/config';
import { findResource, resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';
import { AuditTable } from '../../../src/data/audit-table';

/** A stage holding the user pool and a Lambda bound to it. */
function synthUsers(stage: string, overrides?: StageOverrides): StackJson {
  const { stack } = testStage({ stage, overrides });
  new UserPool(stack, 'users');
  new AuditTable(stack, 'audit');
  new NodeLambda(stack, 'door', { name: 'ws-authorizer', description: 'test' });
  return synthJson(stack);
}

const WEB_APP = { authCallbackUrls: ['https://app.example.com/callback'], authLogoutUrls: ['https://app.example.com/'] };
const dev = synthUsers('dev');
const prod = synthUsers('prod', WEB_APP);
const pool = (json: StackJson) => resourcesOf(json, 'aws_cognito_user_pool')[0];
const client = (json: StackJson) => resourcesOf(json, 'aws_cognito_user_pool_client')[0];

describe('UserPool: fable-<stage>-users', () => {
  it('signs users in by email, case-insensitively, and verifies the address', () => {
    expect(pool(dev)).toMatchObject({
      name: 'fable-dev-users',
      username_attributes: ['email'],
      username_configuration: { case_sensitive: false },
      auto_verified_attributes: ['email'],
    });
  });

  it('holds each user\'s org and org role as custom string attributes', () => {
    const custom = pool(dev).schema.filter((attribute: { name: string }) => attribute.name !== 'email');
    expect(custom).toEqual([
      expect.objectContaining({ name: 'orgId', attribute_data_type: 'String', mutable: true, string_attribute_constraints: { min_length: '1', max_length: '128' } }),
      expect.objectContaining({ name: 'orgRole', attribute_data_type: 'String', mutable: true }),
    ]);
  });

  it('requires passwords of at least 12 characters with every character class', () => {
    expect(pool(dev).password_policy).toMatchObject({
      minimum_length: 12,
      require_lowercase: true,
      require_uppercase: true,
      require_numbers: true,
      require_symbols: true,
    });
  });

  it('offers TOTP MFA in dev and requires it in prod', () => {
    expect(pool(dev)).toMatchObject({ mfa_configuration: 'OPTIONAL', software_token_mfa_configuration: { enabled: true } });
    expect(pool(prod)).toMatchObject({ mfa_configuration: 'ON', software_token_mfa_configuration: { enabled: true } });
  });

  it('lets only administrators create users unless the stage allows self sign-up', () => {
    expect(pool(dev).admin_create_user_config).toEqual({ allow_admin_create_user_only: true });
    const { stack } = testStage({ change: (config) => ({ ...config, auth: { ...config.auth, selfSignUp: true } }) });
    new UserPool(stack, 'users');
    expect(pool(synthJson(stack)).admin_create_user_config).toEqual({ allow_admin_create_user_only: false });
  });

  it('protects the prod pool from deletion, not the dev one, on the Essentials plan that refresh token rotation needs', () => {
    expect(pool(dev)).toMatchObject({ deletion_protection: 'INACTIVE', user_pool_tier: 'ESSENTIALS' });
    expect(pool(prod)).toMatchObject({ deletion_protection: 'ACTIVE', user_pool_tier: 'ESSENTIALS' });
  });

  it('has the admins group of FABLE operators', () => {
    expect(resourcesOf(dev, 'aws_cognito_user_group')).toEqual([
      expect.objectContaining({ name: 'admins', user_pool_id: expect.stringMatching(/^\$\{aws_cognito_user_pool\.[\w-]+\.id\}$/) }),
    ]);
  });
});

describe('UserPool: the web client fable-<stage>-web', () => {
  it('is public and signs in with the authorization code flow only (PKCE on the client\'s side)', () => {
    expect(client(dev)).toMatchObject({
      name: 'fable-dev-web',
      generate_secret: false,
      allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_flows: ['code'],
      allowed_oauth_scopes: ['openid', 'email'],
      supported_identity_providers: ['COGNITO'],
    });
  });

  it('rotates refresh tokens, so no flow that rotation forbids is allowed', () => {
    expect(client(dev).refresh_token_rotation).toEqual([{ feature: 'ENABLED', retry_grace_period_seconds: 10 }]);
    expect(client(dev).explicit_auth_flows).toEqual(['ALLOW_USER_SRP_AUTH']);
    expect(client(dev)).toMatchObject({ enable_token_revocation: true, prevent_user_existence_errors: 'ENABLED' });
  });

  it('lets users read their org and role but write neither', () => {
    expect(client(dev).read_attributes).toEqual(expect.arrayContaining(['custom:orgId', 'custom:orgRole']));
    expect(client(dev).write_attributes).toEqual(['email']);
  });

  it('issues ID tokens valid for an hour', () => {
    expect(client(dev)).toMatchObject({ id_token_validity: 60, token_validity_units: [{ id_token: 'minutes', access_token: 'minutes', refresh_token: 'days' }] });
  });

  it('takes its callback and sign-out URLs from the stage config: localhost in dev, the deployment\'s own in prod', () => {
    expect(client(dev)).toMatchObject({ callback_urls: ['http://localhost:3000/callback'], logout_urls: ['http://localhost:3000/'] });
    expect(client(prod)).toMatchObject({ callback_urls: WEB_APP.authCallbackUrls, logout_urls: WEB_APP.authLogoutUrls });
  });
});

describe('UserPool: hosted sign-in domain', () => {
  it('defaults to fable-<stage>-auth- and a hash of the account (unique per region, without publishing the account id)', () => {
    const [domain] = resourcesOf(dev, 'aws_cognito_user_pool_domain');
    expect(domain.domain).toMatch(/^fable-dev-auth-\$\{substr\(sha256\(data\.aws_caller_identity\.[\w-]+\.account_id\), 0, 12\)\}$/);
  });

  it('takes a configured prefix', () => {
    const json = synthUsers('dev', { authDomainPrefix: 'fable-sign-in' });
    expect(resourcesOf(json, 'aws_cognito_user_pool_domain')[0].domain).toBe('fable-sign-in');
  });
});

describe('UserPool: bindings and the plan guard', () => {
  it('gives a Lambda bound to it the pool and client ids, and no permission', () => {
    const door = findResource(dev, 'aws_lambda_function', (f) => f.function_name === 'fable-dev-ws-authorizer');
    expect(door.environment.variables).toMatchObject({
      USER_POOL_ID: expect.stringMatching(/^\$\{aws_cognito_user_pool\.[\w-]+\.id\}$/),
      USER_POOL_CLIENT_ID: expect.stringMatching(/^\$\{aws_cognito_user_pool_client\.[\w-]+\.id\}$/),
      ALLOW_ANONYMOUS: 'false',
    });
    expect(JSON.stringify(resourcesOf(dev, 'aws_iam_role_policy'))).not.toContain('cognito');
  });

  it('stops every plan of a stage without sign-in URLs (prod as it ships), naming the fix', () => {
    const unset = synthUsers('prod');
    expect(unset.output!['sign-in-urls']).toMatchObject({ precondition: [{ error_message: SIGN_IN_URLS_MESSAGE }] });
    expect(prod.output?.['sign-in-urls']).toBeUndefined();
    expect(dev.output?.['sign-in-urls']).toBeUndefined();
  });
});
