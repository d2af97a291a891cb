import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { Client } from 'pg';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { databaseFromEnvironment } from '../../../lambdas/shared/database/from-environment';
import { RDS_CA_CERTIFICATES, tlsOptions } from '../../../lambdas/shared/database/tls';

/*
 * Fixtures (valid until 2126): a test CA and a certificate for DNS:localhost it issued, made with
 *   openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/O=FABLE tests/CN=FABLE Test CA" (+ CA:TRUE)
 *   openssl x509 -req -CA test-ca.pem -days 36500 -extfile <(subjectAltName=DNS:localhost, serverAuth)
 */
const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', 'helpers', 'fixtures', 'tls', name), 'utf8');
const TEST_CA = fixture('test-ca.pem');
const SERVER = { key: fixture('localhost.key'), cert: fixture('localhost.pem') };

/** pg's SSLRequest code: the first message of a client that wants TLS. */
const SSL_REQUEST_CODE = 80877103;

/**
 * A PostgreSQL server as far as TLS goes: it accepts pg's SSLRequest, completes the handshake with
 * the test certificate, counts it, and hangs up.
 */
async function tlsPostgres(): Promise<{ port: number; handshakes: () => number; server: Server }> {
  let handshakes = 0;
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (message) => {
      if (message.length < 8 || message.readInt32BE(4) !== SSL_REQUEST_CODE) {
        socket.destroy();
        return;
      }
      socket.write('S');
      const secure = new TLSSocket(socket, { isServer: true, ...SERVER });
      secure.on('error', () => undefined);
      secure.on('secure', () => {
        handshakes++;
        secure.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, handshakes: () => handshakes, server };
}

/** Connect with pg and these TLS options; the error pg gives (a clean handshake ends in the server hanging up). */
async function connectError(host: string, port: number, ssl: ReturnType<typeof tlsOptions>): Promise<NodeJS.ErrnoException> {
  const client = new Client({ host, port, user: 'fable', database: 'fable', ssl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  const error = await client.connect().then(
    () => new Error('connected'),
    (e: NodeJS.ErrnoException) => e,
  );
  await client.end().catch(() => undefined);
  return error;
}

const CERTIFICATE_REJECTED = /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN/;

describe('the trust store given to pg for DB_SSL=verify-full', () => {
  const certificates = () => {
    const options = tlsOptions('verify-full');
    if (!options) throw new Error('verify-full must configure TLS');
    return (options.ca as string[]).map((pem) => new X509Certificate(pem));
  };

  it('verifies, and trusts the RDS CA bundle shipped in the package', () => {
    const options = tlsOptions('verify-full');
    expect(options).toMatchObject({ rejectUnauthorized: true });
    expect(options && options.ca).toEqual([...RDS_CA_CERTIFICATES]);
  });

  it.each(['RSA2048 G1', 'RSA4096 G1', 'ECC384 G1'])('holds the self-signed, currently valid "Amazon RDS us-west-2 Root CA %s"', (family) => {
    const now = Date.now();
    const roots = certificates().filter((certificate) => certificate.subject.split('\n').includes(`CN=Amazon RDS us-west-2 Root CA ${family}`));
    expect(roots).toHaveLength(1);
    const [root] = roots;
    expect(root.ca).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(Date.parse(root.validFrom)).toBeLessThanOrEqual(now);
    expect(Date.parse(root.validTo)).toBeGreaterThan(now);
  });

  it('is plain TCP only with DB_SSL=disable', () => {
    expect(tlsOptions('disable')).toBe(false);
  });
});

describe('a real TLS handshake through pg', () => {
  let postgres: Awaited<ReturnType<typeof tlsPostgres>>;
  beforeAll(async () => {
    postgres = await tlsPostgres();
  });
  afterAll(() => new Promise<void>((resolve) => postgres.server.close(() => resolve())));

  it('refuses a server whose certificate no RDS root issued', async () => {
    const before = postgres.handshakes();
    const error = await connectError('localhost', postgres.port, tlsOptions('verify-full'));
    expect(error.code).toMatch(CERTIFICATE_REJECTED);
    expect(postgres.handshakes()).toBe(before);
  });

  it('completes the handshake only once the issuing CA is the trusted one', async () => {
    const before = postgres.handshakes();
    const error = await connectError('localhost', postgres.port, tlsOptions('verify-full', [TEST_CA]));
    expect(error.code ?? '').not.toMatch(CERTIFICATE_REJECTED);
    expect(postgres.handshakes()).toBe(before + 1);
  });

  it('checks the host name against the certificate even when its CA is trusted', async () => {
    const error = await connectError('127.0.0.1', postgres.port, tlsOptions('verify-full', [TEST_CA]));
    expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('is what the database built from the DB_* variables connects with', async () => {
    const secrets = new SecretsManagerClient({ region: 'us-west-2' });
    mockClient(secrets).on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'fable', password: 'p' }) });
    const database = databaseFromEnvironment(
      { DB_SECRET_ARN: 'arn:secret', DB_HOST: 'localhost', DB_PORT: String(postgres.port), DB_NAME: 'fable', DB_SSL: 'verify-full' },
      secrets,
      { max: 1, connectionTimeoutMs: 5_000, statementTimeoutMs: 1_000, idleTimeoutMs: 1_000, applicationName: 'fable-test' },
    );
    const error = await database.withClient(1_000, async () => undefined).then(
      (): NodeJS.ErrnoException => new Error('connected'),
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error.code).toMatch(CERTIFICATE_REJECTED);
    await database.end();
  });
});
