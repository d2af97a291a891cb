import type { AwsEnvironment } from '../platform/aws-environment';
import type { FableRole } from './fable-role';

export type BedrockInvokeAction = 'bedrock:InvokeModel' | 'bedrock:InvokeModelWithResponseStream';

/** Cross-region inference profile ids start with a geography prefix (`us.`, `eu.`, `apac.`, `global.`). */
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|us-gov|global)\./;

/**
 * The ARNs a model id needs: a foundation model in this region, or an inference profile plus
 * the foundation model it routes to in whichever region the profile picks (hence region `*`).
 */
export function bedrockModelArns(env: AwsEnvironment, modelId: string): string[] {
  const profile = INFERENCE_PROFILE_PREFIX.exec(modelId);
  if (!profile) return [env.arn({ service: 'bedrock', resource: `foundation-model/${modelId}`, account: '' })];
  const baseModel = modelId.slice(profile[0].length);
  return [
    env.arn({ service: 'bedrock', resource: `inference-profile/${modelId}` }),
    env.arn({ service: 'bedrock', resource: `foundation-model/${baseModel}`, region: '*', account: '' }),
  ];
}

/** Let a role invoke exactly these models (Converse uses InvokeModel, ConverseStream the stream action). */
export function grantBedrockInvoke(
  role: FableRole,
  env: AwsEnvironment,
  modelIds: readonly string[],
  actions: readonly BedrockInvokeAction[],
): void {
  const resources = [...new Set(modelIds.flatMap((id) => bedrockModelArns(env, id)))];
  role.addStatements({ actions: [...actions].sort(), resources });
}
