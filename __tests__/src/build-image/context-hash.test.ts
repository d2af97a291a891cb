import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildContextHash, listContextFiles } from '../../../src/build-image/context-hash';

const BUILD_DIR = resolve(__dirname, '..', '..', '..', 'docker', 'build');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fable-context-'));
  writeFileSync(join(dir, '.dockerignore'), '# allowlist\n*\n!Dockerfile\n!entrypoint.sh\n!prompts\n');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM node:24.20.0-trixie-slim\n');
  writeFileSync(join(dir, 'entrypoint.sh'), '#!/usr/bin/env bash\necho hi\n');
  chmodSync(join(dir, 'entrypoint.sh'), 0o755);
  mkdirSync(join(dir, 'prompts'));
  writeFileSync(join(dir, 'prompts', 'core.md'), '# core\n');
  writeFileSync(join(dir, 'notes.txt'), 'not in the context\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('buildContextHash', () => {
  test('is a sha256 hex digest, stable across calls', () => {
    const first = buildContextHash(dir);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(buildContextHash(dir)).toBe(first);
  });

  test('does not depend on where the context lives or on timestamps', () => {
    const before = buildContextHash(dir);
    const copy = mkdtempSync(join(tmpdir(), 'fable-context-copy-'));
    try {
      cpSync(dir, copy, { recursive: true, preserveTimestamps: false });
      expect(buildContextHash(copy)).toBe(before);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test('changes when a file in the context changes, is added or is removed', () => {
    const before = buildContextHash(dir);
    writeFileSync(join(dir, 'prompts', 'core.md'), '# core, edited\n');
    const edited = buildContextHash(dir);
    expect(edited).not.toBe(before);
    writeFileSync(join(dir, 'prompts', 'oi.md'), '# oi\n');
    const added = buildContextHash(dir);
    expect(added).not.toBe(edited);
    rmSync(join(dir, 'prompts', 'oi.md'));
    expect(buildContextHash(dir)).toBe(edited);
  });

  test('changes when a file is renamed with the same content', () => {
    const before = buildContextHash(dir);
    rmSync(join(dir, 'prompts', 'core.md'));
    writeFileSync(join(dir, 'prompts', 'worker.md'), '# core\n');
    expect(buildContextHash(dir)).not.toBe(before);
  });

  test('changes when the execute bit changes, but not for other mode bits', () => {
    const before = buildContextHash(dir);
    chmodSync(join(dir, 'entrypoint.sh'), 0o700);
    expect(buildContextHash(dir)).toBe(before);
    chmodSync(join(dir, 'entrypoint.sh'), 0o644);
    expect(buildContextHash(dir)).not.toBe(before);
  });

  test('ignores files that .dockerignore excludes', () => {
    const before = buildContextHash(dir);
    writeFileSync(join(dir, 'notes.txt'), 'edited, still ignored\n');
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', 'x.js'), 'ignored');
    expect(buildContextHash(dir)).toBe(before);
  });

  test('the Dockerfile always counts, even if .dockerignore excludes it', () => {
    writeFileSync(join(dir, '.dockerignore'), '*\n!entrypoint.sh\n!prompts\n');
    expect(listContextFiles(dir)).toContain('Dockerfile');
    const before = buildContextHash(dir);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM node:24.20.0-bookworm-slim\n');
    expect(buildContextHash(dir)).not.toBe(before);
  });

  test('build args are part of the hash, independent of their order', () => {
    const plain = buildContextHash(dir);
    const a = buildContextHash(dir, { buildArgs: { CLAUDE_CODE_VERSION: '2.1.330', NODE_IMAGE: 'node:24.20.0-trixie-slim' } });
    const b = buildContextHash(dir, { buildArgs: { NODE_IMAGE: 'node:24.20.0-trixie-slim', CLAUDE_CODE_VERSION: '2.1.330' } });
    expect(a).toBe(b);
    expect(a).not.toBe(plain);
    expect(buildContextHash(dir, { buildArgs: { CLAUDE_CODE_VERSION: '2.1.331', NODE_IMAGE: 'node:24.20.0-trixie-slim' } })).not.toBe(a);
  });

  test('hashes a symlink by its target', () => {
    symlinkSync('core.md', join(dir, 'prompts', 'link.md'));
    const before = buildContextHash(dir);
    rmSync(join(dir, 'prompts', 'link.md'));
    symlinkSync('other.md', join(dir, 'prompts', 'link.md'));
    expect(buildContextHash(dir)).not.toBe(before);
  });

  test('without a .dockerignore every file counts', () => {
    rmSync(join(dir, '.dockerignore'));
    expect(listContextFiles(dir)).toEqual(['Dockerfile', 'entrypoint.sh', 'notes.txt', 'prompts/core.md']);
  });

  test('throws for a missing directory', () => {
    expect(() => buildContextHash(join(dir, 'nope'))).toThrow();
  });

  test('hashes the real docker/build context (allowlist only)', () => {
    expect(listContextFiles(BUILD_DIR)).toEqual([
      'Dockerfile',
      'agent-credentials.mjs',
      'awscli-public-key.asc',
      'entrypoint.sh',
      'prompts/core.md',
      'prompts/oi.md',
      'prompts/worker.md',
    ]);
    expect(buildContextHash(BUILD_DIR)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('.dockerignore, as Docker reads it', () => {
  const context = (ignore: string, files: readonly string[]) => {
    writeFileSync(join(dir, '.dockerignore'), ignore);
    for (const file of files) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), file);
    }
    return listContextFiles(dir);
  };

  test('the last matching pattern wins, and an exception for a directory brings back its files', () => {
    expect(context('*\n!prompts\nprompts/*.tmp\n!keep/me.txt\n', ['prompts/scratch.tmp', 'keep/me.txt', 'keep/other.txt'])).toEqual([
      'Dockerfile',
      'keep/me.txt',
      'prompts/core.md',
    ]);
  });

  test('"**" matches any number of directories (a line that broke synth before)', () => {
    expect(context('**/*.md\n**/node_modules\n', ['a/b/notes.md', 'node_modules/x.js', 'deep/node_modules/y.js', 'src/app.js'])).toEqual([
      // Docker sends .dockerignore itself unless a pattern excludes it.
      '.dockerignore',
      'Dockerfile',
      'entrypoint.sh',
      'notes.txt',
      'src/app.js',
    ]);
  });

  test('"*" and "?" stay inside one path segment, and leading "/" or "./" are dropped', () => {
    expect(context('*.log\nv?.txt\n/build/\n./dist\n', ['a.log', 'sub/a.log', 'v1.txt', 'v10.txt', 'build/x.js', 'dist', 'src/build'])).toEqual([
      '.dockerignore',
      'Dockerfile',
      'entrypoint.sh',
      'notes.txt',
      'prompts/core.md',
      'src/build',
      'sub/a.log',
      'v10.txt',
    ]);
  });
});
