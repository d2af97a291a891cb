import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_FORMATS, type LambdaBundles } from '../../src/bundling/lambda-bundle';
import { LAMBDA_NAMES, type LambdaName } from '../../lambdas/shared/contract';

/**
 * Bundles for synth tests of constructs that only wire functions: a placeholder zip per name
 * (the construct never looks inside), so these tests skip the seconds esbuild takes.
 */
export function stubBundles(names: readonly LambdaName[] = LAMBDA_NAMES): LambdaBundles {
  const dir = mkdtempSync(join(tmpdir(), 'fable-stub-bundles-'));
  return new Map(
    names.map((name) => {
      const zipPath = join(dir, `${name}.zip`);
      writeFileSync(zipPath, name);
      const bundle = { name, format: BUNDLE_FORMATS[name], zipPath, sourceCodeHash: `hash-${name}`, handler: 'index.handler', sizeBytes: name.length };
      return [name, bundle] as const;
    }),
  );
}
