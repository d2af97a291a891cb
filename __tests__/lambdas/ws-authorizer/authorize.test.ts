import { decide, idTokenVerifier, type Door } from '../../../lambdas/ws-authorizer/authorize';
import type { Presented } from '../../../lambdas/ws-authorizer/token';
import { serveJwks, signingKey, TestUserPool, type JwksServer, type TestUser } from '../../helpers/cognito-tokens';

const pool = new TestUserPool();
const otherPool = new TestUserPool('us-west-2_OtherPool', 'otherclient0123456789abcd');
const ALICE: TestUser = { sub: '5b1f3c0e-8a44-4d1e-9a5e-2f1c3b7a9d10', orgId: 'acme', orgRole: 'admin', groups: ['admins', 'beta'] };
let jwks: JwksServer;

beforeAll(async () => {
  jwks = await serveJwks(pool);
});
afterAll(() => jwks.stop());

/** A door of this pool's client with a fresh verifier (and so a fresh JWKS cache). */
const door = (allowAnonymous = false): Door => ({ verifier: idTokenVerifier(pool.userPoolId, pool.clientId), allowAnonymous });
const viaSubprotocol = (token: string): Presented => ({ kind: 'token', token, source: 'subprotocol' });
const NOW = new Date();

describe('decide: a valid ID token', () => {
  it('is allowed with its user\'s identity until the token expires, from either transport', async () => {
    const token = pool.idToken(ALICE, { expiresIn: 1800 });
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp as number;
    const expected = { userId: ALICE.sub, orgId: 'acme', orgRole: 'admin', groups: 'admins,beta', expiresAt: exp };
    expect(await decide(door(), viaSubprotocol(token), NOW)).toEqual({ allowed: true, source: 'subprotocol', context: expected });
    expect(await decide(door(), { kind: 'token', token, source: 'query' }, NOW)).toEqual({ allowed: true, source: 'query', context: expected });
  });

  it('makes a user without an org role a member, and one without groups a member of none', async () => {
    const decision = await decide(door(), viaSubprotocol(pool.idToken({ sub: 'u-2', orgId: 'acme' })), NOW);
    expect(decision).toMatchObject({ allowed: true, context: { userId: 'u-2', orgId: 'acme', orgRole: 'member', groups: '' } });
  });
});

describe('decide: refusals', () => {
  it.each<[string, () => string, string]>([
    ['an expired token', () => pool.idToken(ALICE, { expiresIn: -60 }), 'token_expired'],
    ['a token of another user pool', () => otherPool.idToken(ALICE), 'token_from_another_issuer'],
    ['a token for another client', () => pool.idToken(ALICE, { claims: { aud: otherPool.clientId } }), 'token_for_another_client'],
    ['an access token (the door takes ID tokens)', () => pool.accessToken(ALICE), 'not_an_id_token'],
    ['a token signed with another key under the pool\'s key id', () => pool.idToken(ALICE, { signWith: { ...signingKey(pool.key.kid) } }), 'bad_signature'],
    ['a token whose claims were changed after signing', () => tampered(pool.idToken(ALICE), { 'custom:orgId': 'globex' }), 'bad_signature'],
    ['a token signed with a key the pool never published', () => pool.idToken(ALICE, { signWith: signingKey() }), 'unknown_signing_key'],
    ['an unsigned token', () => unsigned(pool.idToken(ALICE)), 'malformed_token'],
    ['something that is not a JWT', () => 'not-a-jwt', 'malformed_token'],
  ])('refuses %s', async (_name, token, reason) => {
    expect(await decide(door(), viaSubprotocol(token()), NOW)).toEqual({ allowed: false, reason });
  });

  it.each<[string, () => string, string]>([
    ['a user nobody placed in an org', () => pool.idToken({ sub: 'u-3' }), 'custom:orgId is required'],
    ['an org FABLE reserves for itself', () => pool.idToken({ ...ALICE, orgId: '~unidentified' }), 'custom:orgId must not start with "~" (reserved)'],
    ['an org role FABLE does not know', () => pool.idToken({ ...ALICE, orgRole: 'owner' }), 'custom:orgRole must be one of member, admin'],
    ['a group whose name has a comma', () => pool.idToken({ ...ALICE, groups: ['a,b'] }), 'cognito:groups[0] must not contain a comma'],
  ])('refuses the claims of %s, saying which claim', async (_name, token, detail) => {
    expect(await decide(door(), viaSubprotocol(token()), NOW)).toEqual({ allowed: false, reason: 'bad_claims', detail });
  });

  it('refuses a connection without a token', async () => {
    expect(await decide(door(), { kind: 'none' }, NOW)).toEqual({ allowed: false, reason: 'no_token' });
  });

  it('refuses what the transport already found malformed, without verifying anything', async () => {
    const verify = jest.fn();
    expect(await decide({ verifier: { verify }, allowAnonymous: true }, { kind: 'malformed', reason: 'more_than_one_token' }, NOW)).toEqual({
      allowed: false,
      reason: 'more_than_one_token',
    });
    expect(verify).not.toHaveBeenCalled();
  });

  it('fails, rather than refuses, when the pool\'s keys cannot be fetched', async () => {
    const unserved = new TestUserPool('us-west-2_Unserved1', 'unservedclient0123456789a');
    const verifier = idTokenVerifier(unserved.userPoolId, unserved.clientId);
    await expect(decide({ verifier, allowAnonymous: false }, viaSubprotocol(unserved.idToken(ALICE)), NOW)).rejects.toThrow(/Status code is 404/);
  });
});

describe('decide: a stage that allows anonymous connections', () => {
  it('lets a connection without a token in as anonymous of the default org, for as long as API Gateway keeps it', async () => {
    expect(await decide(door(true), { kind: 'none' }, NOW)).toEqual({
      allowed: true,
      source: 'anonymous',
      context: { userId: 'anonymous', orgId: 'default', orgRole: 'member', groups: '', expiresAt: Math.floor(NOW.getTime() / 1000) + 7200 },
    });
  });

  it('still verifies a token that is presented: a good one gives its identity, a bad one is refused', async () => {
    expect(await decide(door(true), viaSubprotocol(pool.idToken(ALICE)), NOW)).toMatchObject({ allowed: true, context: { userId: ALICE.sub } });
    expect(await decide(door(true), viaSubprotocol(pool.idToken(ALICE, { expiresIn: -1 })), NOW)).toEqual({ allowed: false, reason: 'token_expired' });
  });
});

/** The token with its payload claims changed, signature kept. */
function tampered(token: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const changed = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...claims };
  return [header, Buffer.from(JSON.stringify(changed)).toString('base64url'), signature].join('.');
}

/** The token as `alg: none` with no signature. */
function unsigned(token: string): string {
  const [, payload] = token.split('.');
  return `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
}
