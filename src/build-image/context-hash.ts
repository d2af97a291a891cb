/**
 * Content hash of a Docker build context, used as the build image's tag, so the tag (and
 * the pushed image) changes only when something that goes into the image changes.
 *
 * What is hashed: the files Docker would send as the build context, i.e. every file under
 * `dir` that the context's `.dockerignore` keeps, plus the `Dockerfile` itself (always: it
 * defines the image even when ignored). For each file, in sorted path order: its type, its
 * relative POSIX path, its normalized mode (`755` if any execute bit is set, else `644`,
 * because git keeps only the execute bit) and its bytes. Symlinks hash their target path.
 * Timestamps, owners and the absolute location of `dir` never affect the result. Build
 * arguments that override Dockerfile defaults can be mixed in through `options.buildArgs`.
 *
 * Which files Docker sends is decided by `@balena/dockerignore`, a port of Docker's own
 * `.dockerignore` matching (every pattern form Docker accepts, `**` included).
 *
 * Pure apart from reading `dir`; synchronous (synth is synchronous).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import dockerignore from '@balena/dockerignore';

export interface BuildContextHashOptions {
  /** Build args passed to `docker build` (they change the image without changing any file). */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

const FORMAT_VERSION = 'fable-build-context-v1';

/** Relative POSIX paths of the files (and symlinks) in the build context, sorted. */
export function listContextFiles(dir: string): string[] {
  const ignoreFile = join(dir, '.dockerignore');
  const rules = dockerignore().add(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '');
  const files: string[] = [];
  const walk = (relativeDir: string): void => {
    const entries = readdirSync(join(dir, relativeDir), { withFileTypes: true });
    for (const entry of entries) {
      const relativePath = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        walk(relativePath);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (relativePath === 'Dockerfile' || !rules.ignores(relativePath)) files.push(relativePath);
      }
    }
  };
  walk('');
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Deterministic sha256 (hex) of the build context in `dir` (see the module comment). */
export function buildContextHash(dir: string, options: BuildContextHashOptions = {}): string {
  if (!lstatSync(dir).isDirectory()) throw new Error(`build context ${dir} is not a directory`);
  const hash = createHash('sha256');
  const field = (value: string | Buffer): void => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  };
  field(FORMAT_VERSION);
  for (const relativePath of listContextFiles(dir)) {
    const absolutePath = join(dir, ...relativePath.split('/'));
    const stat = lstatSync(absolutePath);
    if (stat.isSymbolicLink()) {
      field('symlink');
      field(relativePath);
      field(readlinkSync(absolutePath));
    } else {
      field('file');
      field(relativePath);
      field((stat.mode & 0o111) !== 0 ? '755' : '644');
      field(readFileSync(absolutePath));
    }
  }
  const buildArgs = Object.entries(options.buildArgs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, value] of buildArgs) {
    field('build-arg');
    field(name);
    field(value);
  }
  return hash.digest('hex');
}
