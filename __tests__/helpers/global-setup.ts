import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stop } from 'esbuild';
import { emulatorDirectory } from '../../scripts/local/dynamodb-local/emulator';
import { bundleLambdas } from '../../src/bundling/lambda-bundle';

/** Names the directory where the global setup bundled every Lambda for this run. */
export const TEST_BUNDLES_ENV = 'FABLE_TEST_BUNDLES';

/**
 * Before the workers start: fetch DynamoDB Local once (a no-op once it is in the cache), and
 * bundle every Lambda once for the synth tests, which read the zips from the directory named by
 * TEST_BUNDLES_ENV instead of each running esbuild (the bundling tests still build their own).
 */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fable-test-bundles-'));
  try {
    await Promise.all([emulatorDirectory(), bundleLambdas(dir)]);
  } finally {
    await stop();
  }
  process.env[TEST_BUNDLES_ENV] = dir;
}
