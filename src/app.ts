import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { DEFAULT_REGION, overridesFromEnv, selectedStages, stageConfig, stagePrefix } from './config';
import { BOOTSTRAP_STACK_ID, BootstrapStack } from './stacks/bootstrap-stack';
import { FableStack } from './fable-stack';
import type { LambdaBundles } from './bundling/lambda-bundle';

export interface AppOptions {
  /** The Lambda zips (bundled before synth, since bundling is async and constructs are not). */
  readonly bundles: LambdaBundles;
  readonly outdir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Directory holding cdktf.json (its `context` is the default context). */
  readonly projectDir?: string;
  /** Context values over cdktf.json's (CDKTF_CONTEXT_JSON still wins, as in the cdktf CLI). */
  readonly context?: Record<string, unknown>;
}

/** cdktf.json's context: the CLI passes it through CDKTF_CONTEXT_JSON, a direct run reads it here. */
function cdktfJsonContext(projectDir: string): Record<string, unknown> {
  const file = join(projectDir, 'cdktf.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return parsed.context ?? {};
}

/** The whole app: the bootstrap stack plus one `fable-<stage>` stack per selected stage, each deployed after bootstrap. */
export function buildApp(options: AppOptions): App {
  const env = options.env ?? process.env;
  const app = new App({
    outdir: options.outdir,
    context: { ...cdktfJsonContext(options.projectDir ?? join(__dirname, '..')), ...options.context },
    stackTraces: false,
  });
  const overrides = overridesFromEnv(env);
  const bootstrap = new BootstrapStack(app, BOOTSTRAP_STACK_ID, {
    stateBucket: overrides.stateBucket,
    region: overrides.region ?? DEFAULT_REGION,
  });
  for (const stage of selectedStages(app.node.tryGetContext('stages'))) {
    const stack = new FableStack(app, stagePrefix(stage), { config: stageConfig(stage, overrides), bundles: options.bundles });
    // The stage's state lives in bootstrap's bucket, and its API stage needs bootstrap's logging role.
    stack.addDependency(bootstrap);
  }
  return app;
}
