import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_NAMES, type LambdaName } from '../../lambdas/shared/contract';
import { deterministicZip } from './deterministic-zip';
import { ownCodeSourceMap } from './own-code-source-map';
import { buildKey, restoreFromCache, saveToCache, type BundleCache } from './bundle-cache';

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
  'ws-authorizer': 'esm',
  'user-data': 'esm',
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

interface BundleOutput {
  readonly name: LambdaName;
  readonly format: BundleFormat;
  readonly files: { readonly name: string; readonly content: Buffer }[];
}

/**
 * One esbuild pass for all Lambdas of one module format: the AWS SDK modules they share are
 * parsed once instead of once per function (about half the time of separate builds).
 */
async function buildFormat(format: BundleFormat, names: readonly LambdaName[], root: string): Promise<BundleOutput[]> {
  const outExtension = format === 'esm' ? '.mjs' : '.js';
  const outdir = join(root, 'bundle');
  const result = await build({
    entryPoints: Object.fromEntries(names.map((name) => [`${name}/index`, lambdaEntry(name, root)])),
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format,
    minify: true,
    // Linked: the map ships beside the code and --enable-source-maps finds it; no sources inside,
    // and only FABLE's own code mapped (ownCodeSourceMap).
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    // Never written (write: false); under the root so the map names sources relative to the
    // project, and the zip's bytes do not depend on where the checkout is.
    outdir,
    outExtension: { '.js': outExtension },
    write: false,
    mainFields: format === 'esm' ? ['module', 'main'] : ['main', 'module'],
    banner: format === 'esm' ? { js: ESM_REQUIRE_BANNER } : undefined,
    // pg tries `require('pg-native')` only when asked for native bindings, which FABLE never does.
    external: ['pg-native'],
    logLevel: 'silent',
  });
  return names.map((name) => ({
    name,
    format,
    files: result.outputFiles
      .filter((file) => file.path.startsWith(join(outdir, name, '/')))
      .map((file) => ({
        name: basename(file.path),
        content: file.path.endsWith('.map') ? Buffer.from(ownCodeSourceMap(file.text)) : Buffer.from(file.contents),
      })),
  }));
}

async function describeZip(name: LambdaName, zipPath: string): Promise<LambdaBundle> {
  const zip = await readFile(zipPath);
  return {
    name,
    format: BUNDLE_FORMATS[name],
    zipPath,
    sourceCodeHash: createHash('sha256').update(zip).digest('base64'),
    handler: 'index.handler',
    sizeBytes: zip.length,
  };
}

async function writeZip(output: BundleOutput, outDir: string): Promise<string> {
  const zipPath = join(outDir, `${output.name}.zip`);
  await writeFile(zipPath, await deterministicZip(output.files));
  return zipPath;
}

/** Build one format's Lambdas into zips under `outDir`, or take them from the cache when nothing changed. */
async function bundleFormat(format: BundleFormat, names: readonly LambdaName[], outDir: string, root: string, cache?: BundleCache): Promise<void> {
  const key = cache && buildKey(root, format, names);
  if (cache && key && (await restoreFromCache(cache, key, names.map((name) => `${name}.zip`), outDir))) return;
  const outputs = await buildFormat(format, names, root);
  const zipPaths = await Promise.all(outputs.map((output) => writeZip(output, outDir)));
  if (cache && key) await saveToCache(cache, key, zipPaths);
}

export interface BundleOptions {
  readonly root?: string;
  /** Reuse zips of an unchanged tree (main.ts uses one; tests build afresh). */
  readonly cache?: BundleCache;
}

/**
 * Bundle the Lambdas (one esbuild pass per module format, both at once) and pack each into a
 * deterministic zip under `outDir`, compressing the zips in parallel.
 */
export async function bundleLambdas(
  outDir: string,
  names: readonly LambdaName[] = LAMBDA_NAMES,
  options: BundleOptions = {},
): Promise<LambdaBundles> {
  const root = options.root ?? PROJECT_ROOT;
  mkdirSync(outDir, { recursive: true });
  if (options.cache) mkdirSync(options.cache.dir, { recursive: true });
  const formats = [...new Set(names.map((name) => BUNDLE_FORMATS[name]))];
  await Promise.all(
    formats.map((format) => bundleFormat(format, names.filter((name) => BUNDLE_FORMATS[name] === format), outDir, root, options.cache)),
  );
  return bundlesIn(outDir, names);
}

/** The bundles of Lambdas already zipped into `dir` (as bundleLambdas leaves them). */
export async function bundlesIn(dir: string, names: readonly LambdaName[]): Promise<LambdaBundles> {
  const bundles = await Promise.all(names.map((name) => describeZip(name, join(dir, `${name}.zip`))));
  return new Map(bundles.map((bundle) => [bundle.name, bundle]));
}

/** Bundle one Lambda (see bundleLambdas). */
export async function bundleLambda(name: LambdaName, outDir: string, root = PROJECT_ROOT): Promise<LambdaBundle> {
  return requireBundle(await bundleLambdas(outDir, [name], { root }), name);
}
