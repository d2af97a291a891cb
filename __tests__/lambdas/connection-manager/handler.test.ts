import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { handler } from '../../../lambdas/connection-manager';
import { websocketEvent } from '../../helpers/lambda-events';

let dynamo: LocalDynamo;
const TTL_SECONDS = 7200;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  process.env.CONNECTIONS_TABLE = dynamo.tableName('connections');
  process.env.CONNECTION_TTL_SECONDS = String(TTL_SECONDS);
});

afterAll(() => dynamo.stop());

const event = (routeKey: string, connectionId: string | undefined, authorizer?: Record<string, unknown>) =>
  websocketEvent(routeKey, connectionId, { authorizer });

const stored = async (connectionId: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName('connections'), Key: { connectionId } }))).Item;

describe('connection-manager', () => {
  it('stores an anonymous connection in the default org, expiring after the configured TTL', async () => {
    const before = Math.floor(Date.now() / 1000);
    expect(await handler(event('$connect', 'conn-anon='))).toEqual({ statusCode: 200 });
    const item = await stored('conn-anon=');
    expect(item).toMatchObject({ connectionId: 'conn-anon=', userId: 'anonymous', orgId: 'default' });
    expect(new Date(item!.connectedAt).getTime()).toBeGreaterThanOrEqual(before * 1000);
    expect(item!.ttl).toBeGreaterThanOrEqual(before + TTL_SECONDS);
    expect(item!.ttl).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + TTL_SECONDS);
  });

  it('takes the identity from the authorizer context when there is one', async () => {
    await handler(event('$connect', 'conn-auth', { principalId: 'user-7', orgId: 'acme' }));
    expect(await stored('conn-auth')).toMatchObject({ userId: 'user-7', orgId: 'acme' });
    await handler(event('$connect', 'conn-auth2', { principalId: 'principal', userId: 'user-8' }));
    expect(await stored('conn-auth2')).toMatchObject({ userId: 'user-8', orgId: 'default' });
  });

  it('refuses a connection whose authorizer identity is malformed, storing nothing and logging why', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await handler(event('$connect', 'conn-bad', { userId: 'has spaces in it' }))).toEqual({ statusCode: 400 });
    expect(await stored('conn-bad')).toBeUndefined();
    expect(warn.mock.calls[0][0]).toContain('requestContext.authorizer.userId must be printable ASCII without spaces');
    warn.mockRestore();
  });

  it('deletes the connection on $disconnect, and a repeated $disconnect is harmless', async () => {
    await dynamo.doc.send(
      new PutCommand({ TableName: dynamo.tableName('connections'), Item: { connectionId: 'conn-gone', userId: 'u', orgId: 'o' } }),
    );
    expect(await handler(event('$disconnect', 'conn-gone'))).toEqual({ statusCode: 200 });
    expect(await stored('conn-gone')).toBeUndefined();
    expect(await handler(event('$disconnect', 'conn-gone'))).toEqual({ statusCode: 200 });
  });

  it('answers 400 to any other route or a missing connection id, storing nothing', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await handler(event('$default', 'conn-x'))).toEqual({ statusCode: 400 });
    expect(await handler(event('$connect', undefined))).toEqual({ statusCode: 400 });
    expect(await stored('conn-x')).toBeUndefined();
    expect(warn.mock.calls.map(([line]) => JSON.parse(line).reason)).toEqual([
      'requestContext.routeKey must be one of $connect, $disconnect',
      'requestContext.connectionId is required',
    ]);
    warn.mockRestore();
  });

  it('treats an empty or null authorizer field as not given', async () => {
    await handler(event('$connect', 'conn-blank', { principalId: 'user-9', userId: '', orgId: null }));
    expect(await stored('conn-blank')).toMatchObject({ userId: 'user-9', orgId: 'default' });
  });
});
