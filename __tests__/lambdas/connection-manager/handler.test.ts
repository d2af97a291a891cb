import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { handler } from '../../../lambdas/connection-manager';
import { websocketEvent } from '../../helpers/lambda-events';
import { captureOutput, TELEMETRY_ENV, type CapturedOutput } from '../../helpers/telemetry';

let dynamo: LocalDynamo;
/** The function's log stream (restored by restoreAllMocks). */
let output: CapturedOutput;
const TTL_SECONDS = 7200;
const EXPIRES_AT = 1_900_000_000;
/** The context the ws-authorizer returns for a signed-in user. */
const IDENTITY = { principalId: 'user-7', userId: 'user-7', orgId: 'acme', orgRole: 'admin', groups: 'admins,beta', expiresAt: EXPIRES_AT };
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTcifQ.c2lnbmF0dXJl';

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  Object.assign(process.env, TELEMETRY_ENV);
  process.env.CONNECTIONS_TABLE = dynamo.tableName('connections');
  process.env.CONNECTION_TTL_SECONDS = String(TTL_SECONDS);
});

afterAll(() => dynamo.stop());

beforeEach(() => {
  output = captureOutput();
});
afterEach(() => jest.restoreAllMocks());

const connect = (connectionId: string | undefined, authorizer?: Record<string, unknown>, headers?: Record<string, string>) =>
  handler(websocketEvent('$connect', connectionId, { authorizer, headers }));

const stored = async (connectionId: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('connections'), Key: { connectionId } }))).Item;

describe('connection-manager: $connect', () => {
  it('stores the identity the authorizer established, until its token expires, removed by TTL after the configured time', async () => {
    const before = Math.floor(Date.now() / 1000);
    expect(await connect('conn-1=', IDENTITY)).toEqual({ statusCode: 200 });
    const item = await stored('conn-1=');
    expect(item).toEqual({
      connectionId: 'conn-1=',
      userId: 'user-7',
      orgId: 'acme',
      orgRole: 'admin',
      groups: ['admins', 'beta'],
      expiresAt: EXPIRES_AT,
      connectedAt: expect.any(String),
      ttl: expect.any(Number),
    });
    expect(new Date(item!.connectedAt).getTime()).toBeGreaterThanOrEqual(before * 1000);
    expect(item!.ttl).toBeGreaterThanOrEqual(before + TTL_SECONDS);
    expect(item!.ttl).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + TTL_SECONDS);
  });

  it('reads context values API Gateway hands on as strings, and no groups as none', async () => {
    await connect('conn-2=', { ...IDENTITY, expiresAt: String(EXPIRES_AT), groups: '' });
    expect(await stored('conn-2=')).toMatchObject({ expiresAt: EXPIRES_AT, groups: [] });
    await connect('conn-3=', { userId: 'anonymous', orgId: 'default', orgRole: 'member', expiresAt: EXPIRES_AT });
    expect(await stored('conn-3=')).toMatchObject({ userId: 'anonymous', orgId: 'default', groups: [] });
  });

  it('answers with FABLE\'s subprotocol when the client offered it beside its token, never echoing the token', async () => {
    const response = await connect('conn-4=', IDENTITY, { 'Sec-WebSocket-Protocol': `fable.v1, fable.bearer.${TOKEN}` });
    expect(response).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'fable.v1' } });
    expect(JSON.stringify(await stored('conn-4='))).not.toContain(TOKEN);
  });

  it('refuses a client that offered subprotocols but not FABLE\'s (a browser would fail that upgrade), writing nothing', async () => {
    expect(await connect('conn-5=', IDENTITY, { 'sec-websocket-protocol': `fable.bearer.${TOKEN}` })).toEqual({ statusCode: 400 });
    expect(await stored('conn-5=')).toBeUndefined();
    expect(output.logs().map((record) => record.reason)).toEqual(['subprotocols offered without fable.v1']);
    expect(output.lines().join('\n')).not.toContain(TOKEN);
  });

  it.each<[string, Record<string, unknown> | undefined, string]>([
    ['no authorizer identity at all', undefined, 'requestContext.authorizer is required'],
    ['no userId', { ...IDENTITY, userId: undefined }, 'requestContext.authorizer.userId is required'],
    ['an identity with spaces', { ...IDENTITY, userId: 'has spaces in it' }, 'requestContext.authorizer.userId must be printable ASCII without spaces'],
    ['an org role FABLE does not know', { ...IDENTITY, orgRole: 'owner' }, 'requestContext.authorizer.orgRole must be one of member, admin'],
    ['no expiry', { ...IDENTITY, expiresAt: undefined }, 'requestContext.authorizer.expiresAt must be a number'],
  ])('refuses a connection with %s (401), storing nothing and logging why', async (_name, authorizer, reason) => {
    expect(await connect('conn-bad=', authorizer)).toEqual({ statusCode: 401 });
    expect(await stored('conn-bad=')).toBeUndefined();
    expect(output.logs().map((record) => record.reason)).toEqual([reason]);
  });
});

describe('connection-manager: other routes', () => {
  it('deletes the connection on $disconnect, and a repeated $disconnect is harmless', async () => {
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName('connections'), Item: { connectionId: 'conn-gone', userId: 'u', orgId: 'o' } }));
    expect(await handler(websocketEvent('$disconnect', 'conn-gone', { authorizer: IDENTITY }))).toEqual({ statusCode: 200 });
    expect(await stored('conn-gone')).toBeUndefined();
    expect(await handler(websocketEvent('$disconnect', 'conn-gone'))).toEqual({ statusCode: 200 });
  });

  it('answers 400 to any other route or a missing connection id, storing nothing', async () => {
    expect(await handler(websocketEvent('$default', 'conn-x', { authorizer: IDENTITY }))).toEqual({ statusCode: 400 });
    expect(await connect(undefined, IDENTITY)).toEqual({ statusCode: 400 });
    expect(await stored('conn-x')).toBeUndefined();
    expect(output.logs().map((record) => record.reason)).toEqual([
      'requestContext.routeKey must be one of $connect, $disconnect',
      'requestContext.connectionId is required',
    ]);
  });
});
