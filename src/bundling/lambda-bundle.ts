import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_NAMES, type LambdaName } from '../../lambdas/shared/contract';
import { deterministicZip } from './deterministic-zip';

export type BundleFormat = 'esm' | 'cjs';

/**
 * Module format per Lambda. The database Lambdas are CJS because `pg` is CommonJS through and
 * through; the rest are ESM (top-level await, smaller SDK bundles).
 */
export const BUNDLE_FORMATS: Readonly<Record<LambdaName, BundleFormat>> = {
  'connection-manager': 'esm',
  router: 'esm',
  chat: 'esm',
  memory: 'cjs',
  'db-init': 'cjs',
  'tool-deployer': 'esm',
  'build-kickoff': 'esm',
  'update-build-status': 'esm',
};

export interface LambdaBundle {
  readonly name: LambdaName;
  readonly format: BundleFormat;
  /** Absolute path of the deterministic zip. */
  readonly zipPath: string;
  /** base64 SHA-256 of the zip bytes: Lambda's `source_code_hash` format. */
  readonly sourceCodeHash: string;
  readonly handler: string;
  readonly sizeBytes: number;
}

export type LambdaBundles = ReadonlyMap<LambdaName, LambdaBundle>;

export function requireBundle(bundles: LambdaBundles, name: LambdaName): LambdaBundle {
  const bundle = bundles.get(name);
  if (!bundle) throw new Error(`No bundle for the ${name} Lambda: bundle it before synth (see main.ts).`);
  return bundle;
}

/** ESM output gets a real `require`, so CommonJS dependencies bundled into it keep working. */
const ESM_REQUIRE_BANNER = "import{createRequire as __fableCreateRequire}from'node:module';const require=__fableCreateRequire(import.meta.url);";

export const PROJECT_ROOT = join(__dirname, '..', '..');

export function lambdaEntry(name: LambdaName, root = PROJECT_ROOT): string {
  return join(root, 'lambdas', name, 'index.ts');
}

/** Bundle one Lambda with esbuild and pack it into a deterministic zip under `outDir`. */
export async function bundleLambda(name: LambdaName, outDir: string, root = PROJECT_ROOT): Promise<LambdaBundle> {
  const format = BUNDLE_FORMATS[name];
  const outFile = format === 'esm' ? 'index.mjs' : 'index.js';
  const result = await build({
    entryPoints: [lambdaEntry(name, root)],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format,
    minify: true,
    // Linked: the map ships beside the code and --enable-source-maps finds it; no sources inside.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    outfile: join('/bundle', outFile),
    write: false,
    mainFields: format === 'esm' ? ['module', 'main'] : ['main', 'module'],
    banner: format === 'esm' ? { js: ESM_REQUIRE_BANNER } : undefined,
    // pg tries `require('pg-native')` only when asked for native bindings, which FABLE never does.
    external: ['pg-native'],
    logLevel: 'silent',
  });
  const zip = deterministicZip(
    result.outputFiles.map((file) => ({ name: basename(file.path), content: Buffer.from(file.contents) })),
  );
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, `${name}.zip`);
  writeFileSync(zipPath, zip);
  return {
    name,
    format,
    zipPath,
    sourceCodeHash: createHash('sha256').update(zip).digest('base64'),
    handler: 'index.handler',
    sizeBytes: zip.length,
  };
}

/** Bundle the Lambdas in parallel (esbuild runs them concurrently in one service process). */
export async function bundleLambdas(
  outDir: string,
  names: readonly LambdaName[] = LAMBDA_NAMES,
  root = PROJECT_ROOT,
): Promise<LambdaBundles> {
  const bundles = await Promise.all(names.map((name) => bundleLambda(name, outDir, root)));
  return new Map(bundles.map((b) => [b.name, b]));
}
