/**
 * The one module of the doctor that reads FABLE's configuration: the selected stages (cdktf
 * context), each stage's settings (src/config.ts) and FABLE's API Gateway logging role name.
 * src/ is refactored independently of the doctor, so a renamed field is a change here only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_GATEWAY_LOGGING_ROLE_NAME } from '../../src/api/api-gateway-logging';
import { iamName, overridesFromEnv, selectedStages, stageConfig } from '../../src/config';

export type BuildArchitecture = 'ARM64' | 'X86_64';

/** One model id and what the stage uses it for (`router`, `chat`, ...). */
export interface ModelUse {
  readonly use: string;
  readonly modelId: string;
}

export interface StageSettings {
  readonly stage: string;
  readonly region: string;
  /** Where the region came from, printed so a person notices a deploy to the wrong region. */
  readonly regionSource: '--region' | 'FABLE_REGION' | 'stage default';
  readonly auroraEngineVersion: string;
  readonly auroraMinCapacity: number;
  readonly buildArchitecture: BuildArchitecture;
  /** Set when the stage uses a prebuilt build image (FABLE_BUILD_IMAGE_TAG): no Docker build. */
  readonly prebuiltImageTag?: string;
  readonly models: readonly ModelUse[];
  /** The role fable-bootstrap names in the account's API Gateway settings of this region. */
  readonly apiGatewayLoggingRoleName: string;
}

export interface DoctorSettings {
  readonly stages: readonly StageSettings[];
  /** FABLE_STATE_BUCKET; undefined when unset. */
  readonly stateBucket?: string;
}

export interface SettingsInput {
  readonly env: NodeJS.ProcessEnv;
  /** Directory holding cdktf.json. */
  readonly projectDir: string;
  /** `--stage` values; empty means the stages of the cdktf context. */
  readonly stageFlags: readonly string[];
  readonly regionFlag?: string;
}

/** cdktf.json's context `stages`, overridden by CDKTF_CONTEXT_JSON as the cdktf CLI does. */
function contextStages(env: NodeJS.ProcessEnv, projectDir: string): unknown {
  const fromEnv = env.CDKTF_CONTEXT_JSON ? (JSON.parse(env.CDKTF_CONTEXT_JSON) as Record<string, unknown>) : {};
  if ('stages' in fromEnv) return fromEnv.stages;
  const cdktfJson = JSON.parse(readFileSync(join(projectDir, 'cdktf.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdktfJson.context?.stages;
}

/** Every `*ModelId` of the stage, so a model the config adds (a small/fast build model) is checked too. */
function modelUses(models: object): ModelUse[] {
  return Object.entries(models)
    .filter((entry): entry is [string, string] => entry[0].endsWith('ModelId') && typeof entry[1] === 'string')
    .map(([key, modelId]) => ({ use: key.slice(0, -'ModelId'.length), modelId }));
}

/** Throws on an unknown or malformed stage name (the message comes from src/config.ts). */
export function readSettings(input: SettingsInput): DoctorSettings {
  const { env, regionFlag } = input;
  const names =
    input.stageFlags.length > 0 ? selectedStages(input.stageFlags.join(',')) : selectedStages(contextStages(env, input.projectDir));
  // --region wins over FABLE_REGION: hand it to the config as if it were FABLE_REGION.
  const overrides = overridesFromEnv(regionFlag ? { ...env, FABLE_REGION: regionFlag } : env);
  const regionSource = regionFlag ? '--region' : overrides.region ? 'FABLE_REGION' : 'stage default';
  const stages = names.map((name): StageSettings => {
    const config = stageConfig(name, overrides);
    return {
      stage: config.stage,
      region: config.region,
      regionSource,
      auroraEngineVersion: config.aurora.engineVersion,
      auroraMinCapacity: config.aurora.minCapacity,
      buildArchitecture: config.build.architecture,
      prebuiltImageTag: config.build.image.source === 'prebuilt' ? config.build.image.tag : undefined,
      models: modelUses(config.models),
      apiGatewayLoggingRoleName: iamName(API_GATEWAY_LOGGING_ROLE_NAME, config.region),
    };
  });
  return { stages, stateBucket: overrides.stateBucket };
}
