import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { version as esbuildVersion } from 'esbuild';

/**
 * A cache of built Lambda zips, keyed by everything a build can read: the handler sources
 * (every file under lambdas/), the dependency tree (package-lock.json: `npm ci` makes
 * node_modules match it), tsconfig.json, the bundler's own source and the esbuild version.
 * Any change to those builds afresh; an unchanged tree reuses byte-identical zips, so repeated
 * synths skip bundling. Editing files inside node_modules by hand is not seen: set
 * FABLE_BUNDLE_CACHE=off after doing that.
 */
export interface BundleCache {
  readonly dir: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : [];
    })
    .sort();
}

/** The key of one build: its module format, the functions in it, and every input. */
export function buildKey(root: string, format: string, names: readonly string[]): string {
  const hash = createHash('sha256');
  const add = (label: string, value: string | Buffer) => hash.update(`${label}\0${value.length}\0`).update(value);
  add('esbuild', esbuildVersion);
  add('format', format);
  add('names', [...names].sort().join(','));
  const inputs = [
    ...filesUnder(join(root, 'lambdas')),
    ...filesUnder(__dirname),
    join(root, 'package-lock.json'),
    join(root, 'tsconfig.json'),
  ];
  for (const file of inputs) add(relative(root, file), readFileSync(file));
  return `${format}-${hash.digest('hex').slice(0, 32)}`;
}

/** Copy a cached build's zips to `outDir`; false when the cache has no complete entry for the key. */
export async function restoreFromCache(cache: BundleCache, key: string, zipNames: readonly string[], outDir: string): Promise<boolean> {
  const entry = join(cache.dir, key);
  if (!zipNames.every((name) => existsSync(join(entry, name)))) return false;
  await Promise.all(zipNames.map((name) => copyFile(join(entry, name), join(outDir, name))));
  return true;
}

/** Store a build's zips under its key (written aside, then renamed, so a crash leaves no half entry). */
export async function saveToCache(cache: BundleCache, key: string, zipPaths: readonly string[]): Promise<void> {
  const staging = join(cache.dir, `.staging-${key}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await Promise.all(zipPaths.map((path) => copyFile(path, join(staging, basename(path)))));
  const format = key.slice(0, key.indexOf('-'));
  // Older entries of the same format are unreachable once the tree has moved on.
  for (const old of readdirSync(cache.dir)) {
    if (old.startsWith(`${format}-`)) rmSync(join(cache.dir, old), { recursive: true, force: true });
  }
  await rename(staging, join(cache.dir, key));
}
