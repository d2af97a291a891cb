import type { ArnFormatter } from '../platform/aws-environment';
import type { PolicyStatement } from './policy-document';

export type BedrockInvokeAction = 'bedrock:InvokeModel' | 'bedrock:InvokeModelWithResponseStream';

/** Cross-region inference profile ids start with a geography prefix (`us.`, `eu.`, `apac.`, `global.`). */
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|us-gov|global)\./;

export function isInferenceProfile(modelId: string): boolean {
  return INFERENCE_PROFILE_PREFIX.test(modelId);
}

/** The inference profile ARN of a profile id (in this region and account). */
export function inferenceProfileArn(env: ArnFormatter, profileId: string): string {
  return env.arn({ service: 'bedrock', resource: `inference-profile/${profileId}` });
}

/**
 * The ARNs a model id needs: a foundation model in this region, or an inference profile plus
 * the foundation model it routes to in whichever region the profile picks (hence region `*`).
 */
export function bedrockModelArns(env: ArnFormatter, modelId: string): string[] {
  const profile = INFERENCE_PROFILE_PREFIX.exec(modelId);
  if (!profile) return [env.arn({ service: 'bedrock', resource: `foundation-model/${modelId}`, account: '' })];
  const baseModel = modelId.slice(profile[0].length);
  return [
    inferenceProfileArn(env, modelId),
    env.arn({ service: 'bedrock', resource: `foundation-model/${baseModel}`, region: '*', account: '' }),
  ];
}

/** Invoke exactly these models (Converse uses InvokeModel, ConverseStream the stream action). */
export function bedrockStatement(env: ArnFormatter, modelIds: readonly string[], actions: readonly BedrockInvokeAction[]): PolicyStatement {
  const resources = [...new Set(modelIds.flatMap((id) => bedrockModelArns(env, id)))];
  return { actions: [...new Set(actions)].sort(), resources };
}
