import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_FORMATS, bundleLambda, type LambdaBundle } from '../../src/bundling/lambda-bundle';
import { LAMBDA_ENV, LAMBDA_NAMES, type LambdaName } from '../../lambdas/shared/contract';
import { loadBundle } from '../../scripts/local/load-bundle';
import { readZip } from '../../scripts/local/unzip';
import { CONNECT_METHOD_ARN } from '../helpers/lambda-events';

const bundles = new Map<LambdaName, Promise<LambdaBundle>>();
const outDir = mkdtempSync(join(tmpdir(), 'fable-lambda-bundles-'));

beforeAll(() => {
  // Each Lambda bundles on its own, so one that fails to build fails only its own test.
  for (const name of LAMBDA_NAMES) {
    const bundle = bundleLambda(name, outDir);
    bundle.catch(() => undefined);
    bundles.set(name, bundle);
  }
});


describe.each(LAMBDA_NAMES)('the %s bundle', (name) => {
  it(`loads in a fresh Node 24 process as ${BUNDLE_FORMATS[name].toUpperCase()} and exports a handler function`, async () => {
    const bundle = await bundles.get(name)!;
    expect(bundle.handler).toBe('index.handler');
    const entries = readZip(readFileSync(bundle.zipPath)).map((r) => r.name);
    const main = BUNDLE_FORMATS[name] === 'esm' ? 'index.mjs' : 'index.js';
    expect(entries).toEqual([main, `${main}.map`]);
    expect((await loadBundle(bundle)).handlerType).toBe('function');
  });

  it('loads without its environment, and its first invocation then fails loudly naming what is missing', async () => {
    const bundle = await bundles.get(name)!;
    const loaded = await loadBundle(bundle, { environment: false, invoke: {} });
    expect(loaded.handlerType).toBe('function');
    expect(loaded.invocation).toBe(`${name}: missing environment variables ${LAMBDA_ENV[name].join(', ')}`);
  });
});

/** The certificates a bundled script carries as PEM strings (minified: `\n` escapes or real newlines). */
function bundledCertificates(script: string): X509Certificate[] {
  const pems = script.match(/-----BEGIN CERTIFICATE-----(?:\\n|\n)[A-Za-z0-9+/=\\n\s]+?-----END CERTIFICATE-----/g) ?? [];
  return pems.map((pem) => new X509Certificate(pem.replaceAll('\\n', '\n')));
}

describe.each(['memory', 'db-init'] as const)('the %s bundle', (name) => {
  it('carries the RDS CA bundle its verify-full connections trust, new Aurora roots included', async () => {
    const bundle = await bundles.get(name)!;
    const script = readZip(readFileSync(bundle.zipPath)).find((entry) => entry.name === 'index.js')!.content.toString('utf8');
    const subjects = bundledCertificates(script).map((certificate) => certificate.subject.split('\n').find((part) => part.startsWith('CN=')));
    for (const family of ['RSA2048 G1', 'RSA4096 G1', 'ECC384 G1']) {
      expect(subjects).toContain(`CN=Amazon RDS us-west-2 Root CA ${family}`);
      expect(subjects).toContain(`CN=Amazon RDS eu-central-1 Root CA ${family}`);
    }
  });
});

describe('the ws-authorizer bundle', () => {
  it('runs aws-jwt-verify as bundled: a token that is no JWT is refused with API Gateway\'s Unauthorized', async () => {
    const bundle = await bundles.get('ws-authorizer')!;
    const event = { methodArn: CONNECT_METHOD_ARN, headers: { 'Sec-WebSocket-Protocol': 'fable.v1, fable.bearer.not-a-jwt' } };
    expect((await loadBundle(bundle, { invoke: event })).invocation).toBe('Unauthorized');
  });
});

describe('bundling a real Lambda', () => {
  it('twice gives the same zip bytes and source code hash', async () => {
    const first = await bundles.get('connection-manager')!;
    const again = await bundleLambda('connection-manager', mkdtempSync(join(tmpdir(), 'fable-lambda-again-')));
    expect(again.sourceCodeHash).toBe(first.sourceCodeHash);
    expect(readFileSync(again.zipPath).equals(readFileSync(first.zipPath))).toBe(true);
  });
});
