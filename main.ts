import { join } from 'node:path';
import { buildApp } from './src/app';
import { bundleLambdas } from './src/bundling/lambda-bundle';

/** Bundle every Lambda (reusing the zips of an unchanged tree), then synthesize all stacks. */
async function main(): Promise<void> {
  const outdir = process.env.CDKTF_OUTDIR ?? join(__dirname, 'cdktf.out');
  const cache = process.env.FABLE_BUNDLE_CACHE === 'off' ? undefined : { dir: join(__dirname, 'node_modules', '.cache', 'fable-bundles') };
  const bundles = await bundleLambdas(join(outdir, 'bundles'), undefined, { cache });
  withoutSourceMappedStacks(() => buildApp({ outdir, bundles }).synth());
}

/**
 * cdktf captures a full stack trace for every token it creates, as debugging metadata; with the
 * source maps tsx turns on, Node maps every frame of each (about 300 ms of a synth). V8 formats
 * an error's stack when it is first read, so an error that escapes still reads mapped after this.
 */
function withoutSourceMappedStacks(run: () => void): void {
  const enabled = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  try {
    run();
  } finally {
    process.setSourceMapsEnabled(enabled);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
