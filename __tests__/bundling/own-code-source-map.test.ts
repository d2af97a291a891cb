import { execFile } from 'node:child_process';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SourceMap } from 'node:module';
import { build } from 'esbuild';
import { bundleLambda, lambdaEntry, PROJECT_ROOT } from '../../src/bundling/lambda-bundle';
import { ownCodeSourceMap } from '../../src/bundling/own-code-source-map';
import { NODE_24 } from '../../scripts/local/load-bundle';
import { extractZip, readZip } from '../../scripts/local/unzip';

const run = promisify(execFile);

/**
 * FABLE code on both sides of a package in the bundle: `own.ts` comes before `vendor-lib`, so
 * package code sits right after a FABLE mapping, where a dropped mapping would be misread as FABLE's.
 */
const PROJECT: Record<string, string> = {
  'node_modules/vendor-lib/package.json': JSON.stringify({ name: 'vendor-lib', version: '1.0.0', main: 'index.js' }),
  'node_modules/vendor-lib/index.js': [
    'exports.explode = function explode(reason) {',
    "  throw new Error('vendor ' + reason);",
    '};',
  ].join('\n'),
  'lambdas/router/own.ts': [
    'export function failOwn(reason: string): never {',
    "  throw new Error('own ' + reason);",
    '}',
  ].join('\n'),
  'lambdas/router/index.ts': [
    "import { failOwn } from './own';",
    "import { explode } from 'vendor-lib';",
    'export const handler = async (event: { where: string }) => {',
    "  if (event.where === 'own') failOwn('boom');",
    "  explode('boom');",
    '};',
  ].join('\n'),
};

async function bundledRouter() {
  const root = mkdtempSync(join(tmpdir(), 'fable-source-map-fixture-'));
  for (const [path, content] of Object.entries(PROJECT)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return bundleLambda('router', mkdtempSync(join(tmpdir(), 'fable-source-map-out-')), root);
}

/** The first stack frame of the handler's error, as Node 24 prints it with the runtime's --enable-source-maps. */
async function firstFrame(zipPath: string, where: string): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'fable-source-map-run-'));
  extractZip(readFileSync(zipPath), directory);
  const script = [
    `const { handler } = await import(${JSON.stringify(pathToFileURL(join(directory, 'index.mjs')).href)});`,
    `await handler({ where: ${JSON.stringify(where)} }).catch((error) => console.log(error.stack.split('\\n')[1].trim()));`,
  ].join(' ');
  const { stdout } = await run(NODE_24, ['--enable-source-maps', '--input-type=module', '-e', script], { cwd: directory });
  return stdout.trim();
}

describe('the bundle source map (ownCodeSourceMap)', () => {
  it("lists only FABLE's own files as sources", async () => {
    const bundle = await bundledRouter();
    const map = JSON.parse(readZip(readFileSync(bundle.zipPath)).find((record) => record.name === 'index.mjs.map')!.content.toString());
    expect(map.sources.map((source: string) => source.replace(/^.*lambdas\//, 'lambdas/')).sort()).toEqual([
      'lambdas/router/index.ts',
      'lambdas/router/own.ts',
    ]);
  });

  it('maps a frame in FABLE code to its file and line', async () => {
    const bundle = await bundledRouter();
    expect(await firstFrame(bundle.zipPath, 'own')).toMatch(/lambdas\/router\/own\.ts:2:\d+\)$/);
  });

  it("leaves a frame in a package at its bundle position instead of naming the FABLE line before it", async () => {
    const bundle = await bundledRouter();
    const frame = await firstFrame(bundle.zipPath, 'vendor');
    expect(frame).toMatch(/index\.mjs:\d+:\d+\)?$/);
    expect(frame).not.toMatch(/\.ts:/);
  });

  it('drops package segments, sources and names, ends each package run with a column-only segment, and keeps FABLE segments', () => {
    // Sources: 0 FABLE, 1 package. Names: 0 used by the package only, 1 by FABLE.
    const map = {
      version: 3,
      sources: ['../lambdas/router/index.ts', '../node_modules/vendor-lib/index.js'],
      names: ['vendorName', 'ownName'],
      mappings: encode([
        [[0, 0, 0, 0], [10, 1, 0, 0, 0], [20, 1, 1, 0], [30, 0, 1, 4, 1]],
        [[0, 1, 2, 0]],
      ]),
    };
    const stripped = JSON.parse(ownCodeSourceMap(JSON.stringify(map)));
    expect(stripped.sources).toEqual(['../lambdas/router/index.ts']);
    expect(stripped.names).toEqual(['ownName']);
    expect(decode(stripped.mappings)).toEqual([[[0, 0, 0, 0], [10], [30, 0, 1, 4, 0]], []]);
  });

  it("keeps, on a real Lambda's map, every FABLE position as Node's own source map reader saw it, and no package position", async () => {
    const result = await build({
      entryPoints: { 'ws-authorizer/index': lambdaEntry('ws-authorizer') },
      absWorkingDir: PROJECT_ROOT,
      outdir: join(PROJECT_ROOT, 'bundle'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      minify: true,
      sourcemap: 'external',
      sourcesContent: false,
      write: false,
      logLevel: 'silent',
    });
    const full = JSON.parse(result.outputFiles.find((file) => file.path.endsWith('.map'))!.text);
    const original = new SourceMap(full);
    const stripped = new SourceMap(JSON.parse(ownCodeSourceMap(JSON.stringify(full))));
    let fable = 0;
    let vendor = 0;
    const wrong: string[] = [];
    decode(full.mappings).forEach((line, lineNumber) => {
      for (const [column, source] of line) {
        if (source === undefined) continue;
        const entry: { originalSource?: string } = stripped.findEntry(lineNumber, column);
        if (full.sources[source].includes('node_modules/')) {
          vendor++;
          if (entry.originalSource !== undefined) wrong.push(`package code at ${lineNumber}:${column} maps to ${entry.originalSource}`);
        } else {
          fable++;
          const expected = original.findEntry(lineNumber, column);
          if (JSON.stringify(entry) !== JSON.stringify(expected)) wrong.push(`${lineNumber}:${column}: ${JSON.stringify(entry)}, not ${JSON.stringify(expected)}`);
        }
      }
    });
    expect(wrong).toEqual([]);
    expect(fable).toBeGreaterThan(1000);
    expect(vendor).toBeGreaterThan(fable);
  });
});
