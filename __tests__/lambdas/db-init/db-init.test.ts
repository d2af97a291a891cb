import { connect, createServer, type Server } from 'node:net';
import type { Client } from 'pg';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startPglite, PGLITE_DATABASE, PGLITE_USER, type PgliteServer } from '../../../scripts/local/pglite';
import { lambdaContext } from '../../helpers/lambda-events';
import { handler, STATEMENT_TIMEOUT_MS } from '../../../lambdas/db-init';
import { FUNCTION_SETTINGS } from '../../../lambdas/shared/contract';
import { checkSchema, migrate } from '../../../lambdas/db-init/migrator';
import { MIGRATIONS, migrationChecksum, type Migration } from '../../../lambdas/shared/contract/migrations';
import { Database, type PoolLimits } from '../../../lambdas/shared/database/database';
import { DatabaseUnavailableError } from '../../../lambdas/shared/database/availability';
import { tlsOptions } from '../../../lambdas/shared/database/tls';
import { HandlerError } from '../../../lambdas/shared/responses';
import { isTransientAwsError } from '../../../lambdas/shared/aws-errors';
import { TELEMETRY_ENV } from '../../helpers/telemetry';
import { captureOutput } from '../../helpers/telemetry';

const DIMENSIONS = 256;
const SECRET_ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!cluster-abc-123456';
const context = lambdaContext(300_000);
const secrets = mockClient(SecretsManagerClient);
const staticCredentials = { get: async () => ({ username: PGLITE_USER, password: 'test' }), invalidate: () => undefined };
const limits: PoolLimits = {
  max: 1,
  connectionTimeoutMs: 2_000,
  statementTimeoutMs: 5_000,
  idleTimeoutMs: 1_000,
  applicationName: 'test',
};

let server: PgliteServer;
let client: Client;

beforeAll(async () => {
  server = await startPglite();
  Object.assign(process.env, server.env, {
    ...TELEMETRY_ENV,
    AWS_REGION: 'us-west-2',
    DB_SECRET_ARN: SECRET_ARN,
    EMBEDDING_DIMENSIONS: String(DIMENSIONS),
  });
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
    SecretString: JSON.stringify({ username: PGLITE_USER, password: 'rotated-by-rds' }),
  });
  client = await server.client();
});

afterAll(async () => {
  await server.stop();
  secrets.restore();
});

describe('db-init handler', () => {
  it('reports every migration pending on an empty database', async () => {
    const response = await handler({ action: 'check' }, context);
    expect(response).toEqual({
      success: true,
      action: 'check',
      applied: [],
      pending: MIGRATIONS.map(({ version, name }) => ({ version, name })),
      tables: [],
      hnswIndex: false,
      embeddingDimensions: null,
    });
  });

  it('applies the migrations once, in order, and a re-run is a no-op', async () => {
    const first = await handler({ action: 'migrate' }, context);
    expect(first).toEqual({
      success: true,
      action: 'migrate',
      applied: [
        { version: 1, name: 'vector-extension' },
        { version: 2, name: 'memories-table' },
        { version: 3, name: 'memories-embedding-hnsw' },
      ],
      schemaVersion: 3,
    });
    const history = await client.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    expect(history.rows).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name, checksum: migrationChecksum(m, DIMENSIONS) })),
    );

    // No event at all means migrate, as when an operator invokes it bare.
    expect(await handler(undefined, context)).toEqual({ success: true, action: 'migrate', applied: [], schemaVersion: 3 });
    expect((await client.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n).toBe(3);
  });

  it('reports applied migrations, tables, the HNSW index and the embedding size', async () => {
    const response = await handler({ action: 'check' }, context);
    expect(response).toMatchObject({
      success: true,
      action: 'check',
      pending: [],
      tables: ['memories', 'schema_migrations'],
      hnswIndex: true,
      embeddingDimensions: DIMENSIONS,
    });
    if (!response.success || response.action !== 'check') throw new Error('unexpected response');
    expect(response.applied.map((m) => m.version)).toEqual([1, 2, 3]);
    expect(Number.isNaN(Date.parse(response.applied[0].appliedAt))).toBe(false);
  });

  it('fetches the database secret once per container', async () => {
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: SECRET_ARN });
  });

  it('rejects a bad event with BAD_REQUEST', async () => {
    expect(await handler({ action: 'drop' }, context)).toEqual({
      success: false,
      error: { code: 'BAD_REQUEST', message: 'action must be one of migrate, check' },
    });
    expect(await handler('migrate', context)).toEqual({ success: false, error: { code: 'BAD_REQUEST', message: 'event must be an object' } });
    expect(await handler({ failOnError: 'yes' }, context)).toEqual({
      success: false,
      error: { code: 'BAD_REQUEST', message: 'failOnError must be a boolean' },
    });
  });

  it('lets a statement run until a minute before the function times out, never past it', () => {
    expect(STATEMENT_TIMEOUT_MS).toBe(FUNCTION_SETTINGS['db-init'].timeoutSeconds * 1000 - 60_000);
    expect(STATEMENT_TIMEOUT_MS).toBeGreaterThan(0);
  });

  it('throws instead of answering success:false when failOnError is set (how Terraform sees a failure)', async () => {
    await expect(handler({ action: 'drop', failOnError: true }, context)).rejects.toThrow(
      'db-init failed: BAD_REQUEST: action must be one of migrate, check',
    );
    expect(await handler({ action: 'migrate', failOnError: true }, context)).toMatchObject({ success: true, applied: [] });
  });
});

describe('migrations', () => {
  it('enforce the memories constraints (scope, importance, dimensions)', async () => {
    const vector = `[${new Array(DIMENSIONS).fill(0.1).join(',')}]`;
    const insert = (scope: string, importance: number, embedding = vector) =>
      client.query(
        'INSERT INTO memories (user_id, org_id, scope, type, content, embedding, importance) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        ['u', 'o', scope, 'note', 'text', embedding, importance],
      );
    await expect(insert('team', 0.5)).rejects.toMatchObject({ code: '23514' });
    await expect(insert('user', 1.5)).rejects.toMatchObject({ code: '23514' });
    await expect(insert('user', 0.5, '[1,2,3]')).rejects.toThrow(/expected 256 dimensions/);
    const row = await client.query('INSERT INTO memories (user_id, org_id, scope, type, content, embedding) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id, tags, importance', [
      'u',
      'o',
      'org',
      'note',
      'text',
      vector,
    ]);
    expect(row.rows[0]).toMatchObject({ tags: [], importance: 0.5 });
    expect(row.rows[0].id).toMatch(/^[0-9a-f-]{36}$/);
    await client.query('DELETE FROM memories');
  });

  it('refuse to run when an applied migration no longer matches (e.g. EMBEDDING_DIMENSIONS changed)', async () => {
    const attempt = migrate(client as never, 1024);
    await expect(attempt).rejects.toBeInstanceOf(HandlerError);
    await expect(attempt).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('Migration 2 (memories-table)') });
  });

  it('roll back a failing migration completely and do not record it', async () => {
    const broken: Migration = {
      version: 4,
      name: 'broken',
      sql: () => 'CREATE TABLE half_done (id int); SELECT no_such_function();',
    };
    const output = captureOutput();
    await expect(migrate(client as never, DIMENSIONS, [...MIGRATIONS, broken])).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'Migration 4 (broken) failed; see the db-init logs.',
    });
    output.restore();
    expect(output.logs()).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'migration failed', version: 4 }));
    expect((await client.query("SELECT to_regclass('half_done') AS t")).rows[0].t).toBeNull();
    expect((await client.query('SELECT max(version) AS v FROM schema_migrations')).rows[0].v).toBe(3);
  });

  it('apply a migration once when two runs race (advisory lock, history read under it)', async () => {
    const probe: Migration = { version: 4, name: 'probe', sql: () => 'CREATE TABLE migration_probe (id int);' };
    const other = await server.client();
    const [a, b] = await Promise.all([
      migrate(client as never, DIMENSIONS, [...MIGRATIONS, probe]),
      migrate(other as never, DIMENSIONS, [...MIGRATIONS, probe]),
    ]);
    expect([...a.applied, ...b.applied]).toEqual([{ version: 4, name: 'probe' }]);
    const check = await checkSchema(client as never, [...MIGRATIONS, probe]);
    expect(check.applied.map((m) => m.version)).toEqual([1, 2, 3, 4]);
    expect(check.pending).toEqual([]);
  });
});

describe('Database connections', () => {
  const freePort = () =>
    new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
  const forwardTo = (target: PgliteServer): Server =>
    createServer((socket) => {
      const upstream = connect(target.port, target.host);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });

  it('keep retrying a refused connection until the database accepts (auto-pause wake-up)', async () => {
    const port = await freePort();
    const forwarder = forwardTo(server);
    let waits = 0;
    const database = new Database({
      host: '127.0.0.1',
      port,
      database: PGLITE_DATABASE,
      ssl: false,
      credentials: staticCredentials,
      limits,
      retry: {
        baseDelayMs: 1,
        // The database "wakes up" during the first backoff: the port starts accepting.
        sleep: async () => {
          waits++;
          if (!forwarder.listening) await new Promise<void>((resolve) => forwarder.listen(port, '127.0.0.1', resolve));
        },
      },
    });
    const result = await database.withClient(10_000, (c) => c.query<{ one: number }>('SELECT 1 AS one'));
    expect(result.rows[0].one).toBe(1);
    expect(waits).toBe(1);
    await database.end();
    await new Promise((resolve) => forwarder.close(resolve));
  });

  it('give up at the deadline with an error the handler rethrows, so the caller retries', async () => {
    const database = new Database({
      host: '127.0.0.1',
      port: await freePort(),
      database: PGLITE_DATABASE,
      ssl: false,
      credentials: staticCredentials,
      limits,
      retry: { baseDelayMs: 1, sleep: async () => undefined },
    });
    const attempt = database.withClient(0, (c) => c.query('SELECT 1'));
    await expect(attempt).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(isTransientAwsError(await attempt.catch((e) => e))).toBe(true);
    await database.end();
  });

  it('never fall back to plain TCP when verify-full is asked for', async () => {
    const database = new Database({
      host: server.host,
      port: server.port,
      database: PGLITE_DATABASE,
      ssl: tlsOptions('verify-full'),
      credentials: staticCredentials,
      limits,
    });
    // PGlite answers the SSLRequest with "N" (no TLS): the driver must refuse to go on in clear text.
    await expect(database.withClient(5_000, (c) => c.query('SELECT 1'))).rejects.toThrow(/does not support SSL/);
    await database.end();
  });
});
