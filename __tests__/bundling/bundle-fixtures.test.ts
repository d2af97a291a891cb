import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleLambda, bundleLambdas } from '../../src/bundling/lambda-bundle';
import { loadBundle } from '../../scripts/local/load-bundle';
import { readZip } from '../../scripts/local/unzip';

/** A throwaway project root: `lambdas/<name>/index.ts` plus whatever node_modules it needs. */
function fixtureProject(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'fable-bundle-fixture-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** A CommonJS package that requires Node built-ins at load time, as many SDK dependencies do. */
const CJS_DEPENDENCY = {
  'node_modules/legacy-cjs/package.json': JSON.stringify({ name: 'legacy-cjs', version: '1.0.0', main: 'index.js' }),
  'node_modules/legacy-cjs/index.js': [
    "const { EventEmitter } = require('events');",
    "const os = require('os');",
    'exports.describe = () => `${typeof EventEmitter}:${typeof os.platform()}`;',
  ].join('\n'),
};

const handlerSource = (greeting: string) =>
  [
    "import { describe } from 'legacy-cjs';",
    `export const handler = async () => ({ greeting: '${greeting}', runtime: describe() });`,
  ].join('\n');

const outDir = () => mkdtempSync(join(tmpdir(), 'fable-bundle-out-'));


describe('bundleLambda on a fixture project', () => {
  it('lets an ESM bundle require a CommonJS dependency (no "Dynamic require of X is not supported")', async () => {
    const root = fixtureProject({ ...CJS_DEPENDENCY, 'lambdas/router/index.ts': handlerSource('hello') });
    const bundle = await bundleLambda('router', outDir(), root);
    expect(bundle.format).toBe('esm');
    expect((await loadBundle(bundle)).handlerType).toBe('function');
  });

  it('is deterministic: two builds give identical bytes and hash; one changed character changes the hash', async () => {
    const root = fixtureProject({ ...CJS_DEPENDENCY, 'lambdas/chat/index.ts': handlerSource('hello') });
    const first = await bundleLambda('chat', outDir(), root);
    const second = await bundleLambda('chat', outDir(), root);
    const firstBytes = readFileSync(first.zipPath);
    expect(readFileSync(second.zipPath).equals(firstBytes)).toBe(true);
    expect(second.sourceCodeHash).toBe(first.sourceCodeHash);
    expect(first.sourceCodeHash).toBe(createHash('sha256').update(firstBytes).digest('base64'));
    expect(first.sizeBytes).toBe(firstBytes.length);

    writeFileSync(join(root, 'lambdas/chat/index.ts'), handlerSource('hellO'));
    const changed = await bundleLambda('chat', outDir(), root);
    expect(changed.sourceCodeHash).not.toBe(first.sourceCodeHash);
  });

  it('gives the same bytes from checkouts at different paths (CI and a laptop plan the same hash)', async () => {
    const files = { ...CJS_DEPENDENCY, 'lambdas/chat/index.ts': handlerSource('hello') };
    const here = await bundleLambda('chat', outDir(), fixtureProject(files));
    const there = await bundleLambda('chat', outDir(), fixtureProject(files));
    expect(there.sourceCodeHash).toBe(here.sourceCodeHash);
    const map = JSON.parse(readZip(readFileSync(here.zipPath)).find((record) => record.name === 'index.mjs.map')!.content.toString());
    expect(map.sources).toEqual(['../../lambdas/chat/index.ts']);
  });

  it('writes sorted entries with fixed timestamps and 0644 modes', async () => {
    const root = fixtureProject({ ...CJS_DEPENDENCY, 'lambdas/memory/index.ts': handlerSource('cjs') });
    const bundle = await bundleLambda('memory', outDir(), root);
    const records = readZip(readFileSync(bundle.zipPath));
    expect(records.map((r) => r.name)).toEqual(['index.js', 'index.js.map']);
    for (const record of records) {
      expect([record.dosTime, record.dosDate]).toEqual([0, 0x21]);
      expect(record.externalAttributes >>> 16).toBe(0o100644);
    }
    expect((await loadBundle(bundle)).handlerType).toBe('function');
  });
});

describe('the bundle cache (used by main.ts)', () => {
  const project = () =>
    fixtureProject({
      ...CJS_DEPENDENCY,
      'lambdas/chat/index.ts': handlerSource('hello'),
      'package-lock.json': '{"lockfileVersion":3}',
      'tsconfig.json': '{}',
    });

  it('reuses the zips of an unchanged tree and rebuilds when a handler source or the lockfile changes', async () => {
    const root = project();
    const cache = { dir: mkdtempSync(join(tmpdir(), 'fable-bundle-cache-')) };
    const first = (await bundleLambdas(outDir(), ['chat'], { root, cache })).get('chat')!;
    const [entry] = readdirSync(cache.dir);
    expect(entry).toMatch(/^esm-[0-9a-f]{32}$/);

    // Mark the cached zip: if the next synth serves these bytes, it came from the cache, not esbuild.
    writeFileSync(join(cache.dir, entry, 'chat.zip'), 'cached');
    const unchanged = (await bundleLambdas(outDir(), ['chat'], { root, cache })).get('chat')!;
    expect(readFileSync(unchanged.zipPath, 'utf8')).toBe('cached');

    writeFileSync(join(root, 'lambdas/chat/index.ts'), handlerSource('hellO'));
    const rebuilt = (await bundleLambdas(outDir(), ['chat'], { root, cache })).get('chat')!;
    expect(readZip(readFileSync(rebuilt.zipPath)).map((r) => r.name)).toEqual(['index.mjs', 'index.mjs.map']);
    expect(rebuilt.sourceCodeHash).not.toBe(first.sourceCodeHash);
    expect(existsSync(join(cache.dir, entry))).toBe(false);

    writeFileSync(join(cache.dir, readdirSync(cache.dir)[0], 'chat.zip'), 'cached');
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    const afterLockChange = (await bundleLambdas(outDir(), ['chat'], { root, cache })).get('chat')!;
    expect(readFileSync(afterLockChange.zipPath).equals(readFileSync(rebuilt.zipPath))).toBe(true);
  });
});
