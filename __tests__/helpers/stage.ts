import { Testing, TerraformStack, type App } from 'cdktf';
import { stageConfig, type StageConfig, type StageOverrides } from '../../src/config';
import { FableStage } from '../../src/stage/fable-stage';
import { useAwsProvider } from '../../src/stacks/aws-provider';
import type { LambdaBundles } from '../../src/bundling/lambda-bundle';
import { stubBundles } from './stub-bundles';

export interface TestStage {
  readonly app: App;
  readonly stack: TerraformStack;
  readonly stage: FableStage;
}

/**
 * A stack with a FableStage and the AWS provider, for synth tests of single constructs: add the
 * constructs under test (and whatever their bindings need) to `stack`. `change` alters the stage's
 * settings (after validation) for a setting no stage has by default.
 */
export function testStage(
  options: { stage?: string; overrides?: StageOverrides; bundles?: LambdaBundles; change?: (config: StageConfig) => StageConfig } = {},
): TestStage {
  const config = (options.change ?? ((c) => c))(stageConfig(options.stage ?? 'dev', options.overrides));
  const app = Testing.app({ stackTraces: false });
  const stack = new TerraformStack(app, `fable-${config.stage}`);
  useAwsProvider(stack, config.region, config.stage);
  const stage = new FableStage(stack, { config, bundles: options.bundles ?? stubBundles() });
  return { app, stack, stage };
}
