/**
 * A Cognito user pool's tokens, for tests: an RSA key pair made here, ID and access tokens signed
 * with it the way Cognito forms them, and the pool's JWKS served over HTTPS on this machine. The
 * verifier's request for `https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json`
 * is sent to that server (only the address changes), so aws-jwt-verify runs for real: fetch, JWKS
 * cache, signature, issuer, claims.
 */
import { createSign, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const TEST_REGION = 'us-west-2';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'tls', name), 'utf8');

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** The public half as a JWKS entry, as Cognito publishes it. */
  readonly jwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

export function signingKey(kid: string = randomUUID()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

export interface TestUser {
  readonly sub: string;
  readonly email?: string;
  readonly orgId?: string;
  readonly orgRole?: string;
  readonly groups?: readonly string[];
}

export interface TokenOptions {
  /** Seconds from now until `exp` (negative: already expired); default one hour. */
  readonly expiresIn?: number;
  /** Sign with another key (under this pool's kid unless the key has its own). */
  readonly signWith?: SigningKey;
  readonly issuer?: string;
  /** Claims over the token's own (`undefined` removes one). */
  readonly claims?: Record<string, unknown>;
  readonly header?: Record<string, unknown>;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export class TestUserPool {
  readonly issuer: string;
  readonly key: SigningKey = signingKey();

  constructor(
    readonly userPoolId = `${TEST_REGION}_TestPool1`,
    readonly clientId = 'testclient0123456789abcdef',
  ) {
    this.issuer = `https://cognito-idp.${TEST_REGION}.amazonaws.com/${userPoolId}`;
  }

  jwks(): { keys: SigningKey['jwk'][] } {
    return { keys: [this.key.jwk] };
  }

  /** An ID token for `user`, as Cognito issues one to this pool's client. */
  idToken(user: TestUser, options: TokenOptions = {}): string {
    return this.sign(
      {
        aud: this.clientId,
        token_use: 'id',
        email: user.email ?? `${user.sub}@example.com`,
        email_verified: true,
        'cognito:username': user.sub,
        ...(user.orgId !== undefined ? { 'custom:orgId': user.orgId } : {}),
        ...(user.orgRole !== undefined ? { 'custom:orgRole': user.orgRole } : {}),
        ...(user.groups !== undefined ? { 'cognito:groups': user.groups } : {}),
      },
      user,
      options,
    );
  }

  /** An access token for `user` (no custom attributes, the client in `client_id`). */
  accessToken(user: TestUser, options: TokenOptions = {}): string {
    return this.sign(
      { client_id: this.clientId, token_use: 'access', scope: 'openid email', username: user.sub, version: 2 },
      user,
      options,
    );
  }

  private sign(claims: Record<string, unknown>, user: TestUser, options: TokenOptions): string {
    const now = Math.floor(Date.now() / 1000);
    const key = options.signWith ?? this.key;
    const payload = Object.fromEntries(
      Object.entries({
        sub: user.sub,
        iss: options.issuer ?? this.issuer,
        origin_jti: randomUUID(),
        event_id: randomUUID(),
        auth_time: now,
        iat: now,
        exp: now + (options.expiresIn ?? 3600),
        jti: randomUUID(),
        ...claims,
        ...options.claims,
      }).filter(([, value]) => value !== undefined),
    );
    const header = { kid: options.signWith ? key.kid : this.key.kid, alg: 'RS256', ...options.header };
    const input = `${base64url(header)}.${base64url(payload)}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key.privateKey, 'base64url')}`;
  }
}

export interface JwksServer {
  /** JWKS requests served so far. */
  readonly requests: () => number;
  stop(): Promise<void>;
}

const COGNITO_HOST = /^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/;

/**
 * Serve each pool's JWKS at `/<poolId>/.well-known/jwks.json` (any other path: 404) on an HTTPS
 * port of this machine, and send requests for Cognito's JWKS there. `stop` puts both back.
 */
export async function serveJwks(...pools: TestUserPool[]): Promise<JwksServer> {
  let requests = 0;
  const server = https.createServer({ key: fixture('localhost.key'), cert: fixture('localhost.pem') }, (request, response) => {
    requests += 1;
    const pool = pools.find((candidate) => request.url === `/${candidate.userPoolId}/.well-known/jwks.json`);
    if (!pool) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pool.jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const ca = fixture('test-ca.pem');
  const request = https.request.bind(https);
  const redirect = jest.spyOn(https, 'request').mockImplementation(((url: string | URL, options: https.RequestOptions, callback?: () => void) => {
    const target = new URL(String(url));
    if (!COGNITO_HOST.test(target.hostname)) return request(url, options, callback);
    return request(`https://localhost:${port}${target.pathname}`, { ...options, ca }, callback);
  }) as typeof https.request);
  return {
    requests: () => requests,
    stop: async () => {
      redirect.mockRestore();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
