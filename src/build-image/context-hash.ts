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
 * `.dockerignore` support is the subset that docker/build/.dockerignore uses: comments,
 * blank lines, plain paths, `*` and `?` inside one path segment, and `!` exceptions, with
 * Docker's rule that the last matching pattern wins, where a pattern that matches a parent
 * directory also matches everything under it. Anything else (`**`, `[...]`, escapes) throws
 * instead of silently hashing a different file set from the one Docker would send.
 *
 * Pure apart from reading `dir`; synchronous (synth is synchronous).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface BuildContextHashOptions {
  /** Build args passed to `docker build` (they change the image without changing any file). */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

export interface IgnoreRule {
  readonly negate: boolean;
  readonly regex: RegExp;
  readonly source: string;
}

const FORMAT_VERSION = 'fable-build-context-v1';

/** Parses `.dockerignore` text into ordered rules; throws on syntax outside the supported subset. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    let pattern = line;
    let negate = false;
    if (pattern.startsWith('!')) {
      negate = true;
      pattern = pattern.slice(1).trim();
    }
    const unsupported = (why: string): never => {
      throw new Error(`.dockerignore line ${index + 1} ("${rawLine}"): unsupported syntax (${why}); ` +
        'supported: comments, plain paths, "*" and "?" within one path segment, "!" exceptions');
    };
    if (pattern.includes('**')) unsupported('"**"');
    if (/[[\]\\]/.test(pattern)) unsupported('character classes or escapes');
    // Docker cleans patterns like filepath.Clean: leading "/" and "./", trailing "/" are dropped.
    const segments = pattern.split('/').filter((segment) => segment !== '' && segment !== '.');
    if (segments.length === 0) unsupported('empty pattern');
    if (segments.includes('..')) unsupported('".." segments');
    const body = segments
      .map((segment) => segment.replace(/[.+^${}()|]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
      .join('/');
    rules.push({ negate, regex: new RegExp(`^${body}$`), source: line });
  });
  return rules;
}

/** Docker's rule: a path is excluded if the last pattern matching it (or a parent of it) is not an exception. */
export function isIgnored(relativePath: string, rules: readonly IgnoreRule[]): boolean {
  const parts = relativePath.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.regex.test(candidate))) excluded = !rule.negate;
  }
  return excluded;
}

/** Relative POSIX paths of the files (and symlinks) in the build context, sorted. */
export function listContextFiles(dir: string): string[] {
  const ignoreFile = join(dir, '.dockerignore');
  const rules = existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, 'utf8')) : [];
  const files: string[] = [];
  const walk = (relativeDir: string): void => {
    const entries = readdirSync(join(dir, relativeDir), { withFileTypes: true });
    for (const entry of entries) {
      const relativePath = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        walk(relativePath);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (relativePath === 'Dockerfile' || !isIgnored(relativePath, rules)) files.push(relativePath);
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
