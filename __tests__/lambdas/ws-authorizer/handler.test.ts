import { handler } from '../../../lambdas/ws-authorizer';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { serveJwks, TestUserPool, type JwksServer } from '../../helpers/cognito-tokens';
import { authorizerEvent, CONNECT_METHOD_ARN } from '../../helpers/lambda-events';
import { captureOutput, TELEMETRY_ENV, type CapturedOutput } from '../../helpers/telemetry';

const pool = new TestUserPool();
const USER = { sub: 'a3c2d1e0-1111-4222-8333-944455556666', orgId: 'acme', orgRole: 'member', groups: ['beta'] };
let jwks: JwksServer;
let dynamo: LocalDynamo;
/** The authorizer's log stream (restored by restoreAllMocks). */
let output: CapturedOutput;

beforeAll(async () => {
  [jwks, dynamo] = await Promise.all([serveJwks(pool), startDynamoLocal()]);
  Object.assign(process.env, {
    ...TELEMETRY_ENV,
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    ALLOW_ANONYMOUS: 'false',
    AUDIT_TABLE: dynamo.tableName('audit'),
  });
});
afterAll(async () => {
  await jwks.stop();
  await dynamo.stop();
});

beforeEach(() => {
  output = captureOutput();
});
afterEach(() => jest.restoreAllMocks());

const withSubprotocol = (token: string) => authorizerEvent({ headers: { 'Sec-WebSocket-Protocol': `fable.v1, fable.bearer.${token}` } });

describe('ws-authorizer handler', () => {
  it('allows a valid token with an IAM policy for exactly this $connect and the caller as context', async () => {
    const token = pool.idToken(USER);
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp as number;
    expect(await handler(withSubprotocol(token))).toEqual({
      principalId: USER.sub,
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: CONNECT_METHOD_ARN }] },
      context: { userId: USER.sub, orgId: 'acme', orgRole: 'member', groups: 'beta', expiresAt: exp },
    });
    expect(await handler(authorizerEvent({ query: { token } }))).toMatchObject({ principalId: USER.sub });
  });

  it('answers Unauthorized (API Gateway\'s 401) to a missing, bad or expired token, and to a malformed event', async () => {
    for (const event of [
      authorizerEvent(),
      withSubprotocol('not-a-jwt'),
      withSubprotocol(pool.idToken(USER, { expiresIn: -5 })),
      authorizerEvent({ query: { token: pool.accessToken(USER) } }),
      { type: 'REQUEST' },
    ]) {
      await expect(handler(event)).rejects.toThrow(/^Unauthorized$/);
    }
    expect(output.logs().map((record) => record.reason)).toEqual(['no_token', 'malformed_token', 'token_expired', 'not_an_id_token', 'malformed_event']);
  });

  it('records each refusal in the audit trail under the unidentified org, naming the connection and the reason only', async () => {
    const before = await auditEvents(dynamo.doc, dynamo.tableName('audit'));
    await expect(handler(withSubprotocol(pool.idToken(USER, { expiresIn: -5 })))).rejects.toThrow(/^Unauthorized$/);
    await expect(handler(authorizerEvent())).rejects.toThrow(/^Unauthorized$/);
    await handler(withSubprotocol(pool.idToken(USER)));
    const added = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).slice(before.length);
    const refusal = (reason: string) =>
      storedEvent({ type: 'connect_refused', orgId: '~unidentified', actor: 'connection:conn-auth=', target: 'service:websocket', outcome: 'denied', detail: { reason } });
    expect(added).toHaveLength(2);
    expect(added).toEqual(expect.arrayContaining([refusal('token_expired'), refusal('no_token')]));
  });

  it('fails (a 500, not a 401) when a refusal cannot be recorded, so none goes unrecorded', async () => {
    process.env.AUDIT_TABLE = 'fable-test-no-such-table';
    try {
      await jest.isolateModulesAsync(async () => {
        const { handler: unrecordingHandler } = require('../../../lambdas/ws-authorizer') as typeof import('../../../lambdas/ws-authorizer');
        await expect(unrecordingHandler(authorizerEvent())).rejects.toThrow(/non-existent table/);
      });
    } finally {
      process.env.AUDIT_TABLE = dynamo.tableName('audit');
    }
  });

  it('fetches the pool\'s JWKS once per container, however many connect', async () => {
    for (let i = 0; i < 3; i++) await handler(withSubprotocol(pool.idToken({ ...USER, sub: `user-${i}` })));
    // Every connect of this file went through this module's one container.
    expect(jwks.requests()).toBe(1);
  });

  it('writes no token, nor any part of one, to any log line, allowed or refused', async () => {
    const tokens = [pool.idToken(USER), pool.idToken(USER, { expiresIn: -5 }), pool.idToken(USER, { claims: { aud: 'someone-else' } })];
    for (const token of tokens) {
      await handler(withSubprotocol(token)).catch(() => undefined);
      await handler(authorizerEvent({ query: { token } })).catch(() => undefined);
    }
    expect(output.lines().length).toBeGreaterThanOrEqual(tokens.length * 2);
    for (const token of tokens) {
      const [header, payload, signature] = token.split('.');
      for (const part of [header, payload, signature]) expect(output.lines().filter((line) => line.includes(part))).toEqual([]);
    }
  });
});

describe('ws-authorizer handler in a stage with ALLOW_ANONYMOUS=true', () => {
  it('lets a connection without a token in as anonymous, and still refuses a bad token', async () => {
    process.env.ALLOW_ANONYMOUS = 'true';
    try {
      await jest.isolateModulesAsync(async () => {
        // A fresh module is a fresh container, which reads its environment at its first invocation.
        const { handler: anonymousHandler } = require('../../../lambdas/ws-authorizer') as typeof import('../../../lambdas/ws-authorizer');
        expect(await anonymousHandler(authorizerEvent())).toMatchObject({
          principalId: 'anonymous',
          context: { userId: 'anonymous', orgId: 'default', orgRole: 'member', groups: '' },
        });
        await expect(anonymousHandler(withSubprotocol('not-a-jwt'))).rejects.toThrow(/^Unauthorized$/);
      });
    } finally {
      process.env.ALLOW_ANONYMOUS = 'false';
    }
  });
});
