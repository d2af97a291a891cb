import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { handler } from '../../../lambdas/connection-manager';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
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
  process.env.AUDIT_TABLE = dynamo.tableName('audit');
});

afterAll(() => dynamo.stop());

beforeEach(() => {
  output = captureOutput();
});
afterEach(() => jest.restoreAllMocks());

const connect = (connectionId: string | undefined, authorizer?: Record<string, unknown>, headers?: Record<string, string>) =>
  handler(websocketEvent('$connect', connectionId, { authorizer, headers }));

/** When API Gateway says the test connections connected (`requestContext.connectedAt`). */
const CONNECTED_AT = new Date(websocketEvent('$connect', 'any').requestContext.connectedAt);

const eventsOf = async (connectionId: string) =>
  (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((event) => event.target === `connection:${connectionId}`);

const stored = async (connectionId: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('connections'), Key: { connectionId } }))).Item;

describe('connection-manager: $connect', () => {
  it('stores the identity the authorizer established, until its token expires, removed by TTL the configured time after connecting', async () => {
    expect(await connect('conn-1=', IDENTITY)).toEqual({ statusCode: 200 });
    expect(await stored('conn-1=')).toEqual({
      connectionId: 'conn-1=',
      userId: 'user-7',
      orgId: 'acme',
      orgRole: 'admin',
      groups: ['admins', 'beta'],
      expiresAt: EXPIRES_AT,
      connectedAt: CONNECTED_AT.toISOString(),
      ttl: CONNECTED_AT.getTime() / 1000 + TTL_SECONDS,
    });
  });

  it('records a connect event with the connection, in the user\'s org, naming who connected over which connection', async () => {
    await connect('conn-audit=', IDENTITY);
    expect(await eventsOf('conn-audit=')).toEqual([
      storedEvent({ type: 'connect', orgId: 'acme', userId: 'user-7', actor: 'user:user-7', target: 'connection:conn-audit=', outcome: 'success', at: CONNECTED_AT.toISOString() }),
    ]);
  });

  it('adds no second event when API Gateway retries a $connect, and stores the connection once', async () => {
    await connect('conn-retried=', IDENTITY);
    const first = await stored('conn-retried=');
    expect(await connect('conn-retried=', IDENTITY)).toEqual({ statusCode: 200 });
    expect(await stored('conn-retried=')).toEqual(first);
    expect(await eventsOf('conn-retried=')).toHaveLength(1);
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
    expect(await eventsOf('conn-5=')).toEqual([]);
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
    expect(await eventsOf('conn-bad=')).toEqual([]);
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
