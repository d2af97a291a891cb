import { join } from 'node:path';
import { buildApp } from './src/app';
import { bundleLambdas } from './src/bundling/lambda-bundle';

/** Bundle every Lambda (in parallel), then synthesize all stacks. */
async function main(): Promise<void> {
  const outdir = process.env.CDKTF_OUTDIR ?? join(__dirname, 'cdktf.out');
  const bundles = await bundleLambdas(join(outdir, 'bundles'));
  buildApp({ outdir, bundles }).synth();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
