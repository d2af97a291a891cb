import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { CognitoUserGroup } from '@cdktf/provider-aws/lib/cognito-user-group';
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import { CognitoUserPoolDomain } from '@cdktf/provider-aws/lib/cognito-user-pool-domain';
import { ADMINS_GROUP, CLAIMS, USER_ATTRIBUTES, type UserPoolBinding } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import type { BindingProvider, ResolvedBinding } from '../bindings/binding-provider';
import { planGuard } from '../stacks/plan-guard';

/** Token lifetimes of the web client: a connection's identity holds at most an ID token's hour. */
const TOKEN_VALIDITY = { idTokenMinutes: 60, accessTokenMinutes: 60, refreshTokenDays: 30 } as const;
const MIN_PASSWORD_LENGTH = 12;
/** How long a rotated-out refresh token still works, so a client's retried refresh does not sign it out. */
const REFRESH_RETRY_GRACE_SECONDS = 10;

export const SIGN_IN_URLS_MESSAGE =
  'This stage has no sign-in callback or sign-out URLs (auth.callbackUrls, auth.logoutUrls): set FABLE_AUTH_CALLBACK_URLS and FABLE_AUTH_LOGOUT_URLS to the web app\'s https URLs (comma-separated) and synthesize again before deploying.';

/**
 * Sign-in for FABLE (DESIGN.md section 9): the Cognito user pool `fable-<stage>-users`, its
 * `admins` group (FABLE's operators), the public web client `fable-<stage>-web` (authorization
 * code with PKCE, refresh tokens rotated) and the hosted sign-in domain the code flow runs on.
 * A user's org and role are the custom attributes `orgId` and `orgRole`, which only an
 * administrator can set (no app client may write them). Lambdas bind to the pool's and the
 * client's ids; verifying a token needs the pool's public keys only, so no grant.
 */
export class UserPool extends Construct implements BindingProvider<UserPoolBinding> {
  readonly pool: CognitoUserPool;
  readonly client: CognitoUserPoolClient;
  readonly domain: CognitoUserPoolDomain;
  /** `<prefix>.auth.<region>.amazoncognito.com`: the authorize, token and logout endpoints. */
  readonly domainName: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { auth, deletionProtection } = stage.config;

    this.pool = new CognitoUserPool(this, 'pool', {
      name: stage.name('users'),
      // Refresh token rotation needs the Essentials plan (the default for new pools, spelled out).
      userPoolTier: 'ESSENTIALS',
      usernameAttributes: ['email'],
      usernameConfiguration: { caseSensitive: false },
      autoVerifiedAttributes: ['email'],
      userAttributeUpdateSettings: { attributesRequireVerificationBeforeUpdate: ['email'] },
      schema: [
        { name: 'email', attributeDataType: 'String', required: true, mutable: true, stringAttributeConstraints: { minLength: '0', maxLength: '2048' } },
        customAttribute(USER_ATTRIBUTES.orgId, 128),
        customAttribute(USER_ATTRIBUTES.orgRole, 16),
      ],
      passwordPolicy: {
        minimumLength: MIN_PASSWORD_LENGTH,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 7,
      },
      mfaConfiguration: auth.mfa === 'required' ? 'ON' : 'OPTIONAL',
      softwareTokenMfaConfiguration: { enabled: true },
      adminCreateUserConfig: { allowAdminCreateUserOnly: !auth.selfSignUp },
      accountRecoverySetting: { recoveryMechanism: [{ name: 'verified_email', priority: 1 }] },
      deletionProtection: deletionProtection ? 'ACTIVE' : 'INACTIVE',
    });

    new CognitoUserGroup(this, 'admins', {
      userPoolId: this.pool.id,
      name: ADMINS_GROUP,
      description: 'FABLE operators',
    });

    this.client = new CognitoUserPoolClient(this, 'web', {
      name: stage.name('web'),
      userPoolId: this.pool.id,
      // A browser app keeps no secret; PKCE protects its code exchange instead.
      generateSecret: false,
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthFlows: ['code'],
      allowedOauthScopes: ['openid', 'email'],
      supportedIdentityProviders: ['COGNITO'],
      callbackUrls: [...auth.callbackUrls],
      logoutUrls: [...auth.logoutUrls],
      // SRP for an app with its own sign-in form; no REFRESH_TOKEN_AUTH, which rotation does not allow.
      explicitAuthFlows: ['ALLOW_USER_SRP_AUTH'],
      refreshTokenRotation: [{ feature: 'ENABLED', retryGracePeriodSeconds: REFRESH_RETRY_GRACE_SECONDS }],
      enableTokenRevocation: true,
      preventUserExistenceErrors: 'ENABLED',
      // The ID token carries what the client may read; the org and role only an administrator may write.
      readAttributes: ['email', 'email_verified', CLAIMS.orgId, CLAIMS.orgRole],
      writeAttributes: ['email'],
      idTokenValidity: TOKEN_VALIDITY.idTokenMinutes,
      accessTokenValidity: TOKEN_VALIDITY.accessTokenMinutes,
      refreshTokenValidity: TOKEN_VALIDITY.refreshTokenDays,
      tokenValidityUnits: [{ idToken: 'minutes', accessToken: 'minutes', refreshToken: 'days' }],
    });

    // The code flow's endpoints exist only on a domain. Prefixes are unique per region across AWS,
    // so the default carries a hash of the account (not the account id itself, which would be public).
    const prefix = auth.domainPrefix ?? `${stage.name('auth')}-${Fn.substr(Fn.sha256(stage.env.accountId), 0, 12)}`;
    this.domain = new CognitoUserPoolDomain(this, 'domain', { userPoolId: this.pool.id, domain: prefix });
    this.domainName = `${this.domain.domain}.auth.${stage.env.region}.amazoncognito.com`;

    if (auth.callbackUrls.length === 0 || auth.logoutUrls.length === 0) {
      planGuard(this, 'sign-in-urls', { message: SIGN_IN_URLS_MESSAGE, description: 'Fails every plan of a stage without sign-in URLs' });
    }
    stage.provide<UserPoolBinding>('user-pool', this);
  }

  resolveBinding(binding: UserPoolBinding): ResolvedBinding {
    return { value: binding.userPool === 'id' ? this.pool.id : this.client.id, statements: [] };
  }
}

/** A string attribute users cannot write (no app client lists it as writable); set by administrators. */
function customAttribute(name: string, maxLength: number) {
  return {
    name,
    attributeDataType: 'String',
    mutable: true,
    developerOnlyAttribute: false,
    required: false,
    stringAttributeConstraints: { minLength: '1', maxLength: String(maxLength) },
  };
}
