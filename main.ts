import { join } from 'node:path';
import { buildApp } from './src/app';
import { bundleLambdas } from './src/bundling/lambda-bundle';

/** Bundle every Lambda (reusing the zips of an unchanged tree), then synthesize all stacks. */
async function main(): Promise<void> {
  const outdir = process.env.CDKTF_OUTDIR ?? join(__dirname, 'cdktf.out');
  const cache = process.env.FABLE_BUNDLE_CACHE === 'off' ? undefined : { dir: join(__dirname, 'node_modules', '.cache', 'fable-bundles') };
  const bundles = await bundleLambdas(join(outdir, 'bundles'), undefined, { cache });
  buildApp({ outdir, bundles }).synth();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
