import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { databaseSettings, type DatabaseEnvironment } from '../../../lambdas/shared/database/settings';
import { parseSecret, SecretCredentials } from '../../../lambdas/shared/database/credentials';
import { isDatabaseStarting } from '../../../lambdas/shared/database/availability';
import { embeddingDimensions } from '../../../lambdas/memory/embeddings';

const ENV: DatabaseEnvironment = {
  DB_SECRET_ARN: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!cluster-1',
  DB_HOST: 'fable-dev-aurora.cluster-abc.us-west-2.rds.amazonaws.com',
  DB_PORT: '5432',
  DB_NAME: 'fable',
  DB_SSL: 'verify-full',
};

describe('database settings', () => {
  it('reads the DB_* variables', () => {
    expect(databaseSettings(ENV)).toEqual({
      host: ENV.DB_HOST,
      port: 5432,
      database: 'fable',
      secretArn: ENV.DB_SECRET_ARN,
      ssl: 'verify-full',
    });
  });

  it.each(['require', 'prefer', 'VERIFY-FULL', 'no-verify'])('refuses DB_SSL=%s at cold start', (mode) => {
    expect(() => databaseSettings({ ...ENV, DB_SSL: mode })).toThrow(`DB_SSL must be one of verify-full, disable, got "${mode}".`);
  });

  it.each(['0', '-1', '5432x', '70000'])('refuses DB_PORT=%s', (port) => {
    expect(() => databaseSettings({ ...ENV, DB_PORT: port })).toThrow(/DB_PORT/);
  });
});

describe('database credentials', () => {
  const secrets = mockClient(SecretsManagerClient);
  afterAll(() => secrets.restore());
  beforeEach(() => secrets.reset());

  it('parses the RDS-managed secret and rejects anything else', () => {
    expect(parseSecret('{"username":"fable_admin","password":"p"}')).toEqual({ username: 'fable_admin', password: 'p' });
    expect(() => parseSecret('not json')).toThrow('The database secret is not JSON.');
    expect(() => parseSecret('{"username":"fable_admin"}')).toThrow('needs non-empty "username" and "password"');
    expect(() => parseSecret(undefined)).toThrow('not JSON');
  });

  it('fetches once, refetches after invalidate (rotation), and never caches a failed fetch', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('network'))
      .resolvesOnce({ SecretString: '{"username":"u","password":"old"}' })
      .resolves({ SecretString: '{"username":"u","password":"new"}' });
    const credentials = new SecretCredentials(new SecretsManagerClient({}), ENV.DB_SECRET_ARN);
    await expect(credentials.get()).rejects.toThrow('network');
    expect((await credentials.get()).password).toBe('old');
    expect((await credentials.get()).password).toBe('old');
    credentials.invalidate();
    expect((await credentials.get()).password).toBe('new');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(3);
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: ENV.DB_SECRET_ARN });
  });
});

describe('isDatabaseStarting', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 10.0.64.5:5432'), { code: 'ECONNREFUSED' })],
    ['cannot_connect_now (57P03)', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['pg connection timeout', new Error('Connection terminated due to connection timeout')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['dropped handshake', new Error('Connection terminated unexpectedly')],
  ])('retries %s', (_name, error) => {
    expect(isDatabaseStarting(error)).toBe(true);
  });

  it.each([
    ['a missing table', Object.assign(new Error('relation "memories" does not exist'), { code: '42P01' })],
    ['a failed login', Object.assign(new Error('password authentication failed'), { code: '28P01' })],
    ['a non-error', 'ECONNREFUSED'],
  ])('does not retry %s', (_name, error) => {
    expect(isDatabaseStarting(error)).toBe(false);
  });
});

describe('embedding dimensions', () => {
  it('accepts the sizes Titan Text Embeddings V2 can produce and nothing else', () => {
    expect([256, 512, 1024].map((d) => embeddingDimensions(String(d)))).toEqual([256, 512, 1024]);
    expect(() => embeddingDimensions('768')).toThrow('EMBEDDING_DIMENSIONS must be one of 256, 512, 1024, got "768".');
  });
});
