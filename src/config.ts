/**
 * Typed per-stage settings. dev and prod differ only through these values (DESIGN.md section 2).
 */
export type StageName = string;

export interface AuroraConfig {
  /** Aurora PostgreSQL version: 16.6 ships pgvector 0.8 (iterative HNSW scans) and supports 0 ACU auto-pause. */
  readonly engineVersion: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Only meaningful when minCapacity is 0. */
  readonly secondsUntilAutoPause?: number;
  readonly deletionProtection: boolean;
  readonly backupRetentionDays: number;
  /** Take a final snapshot when the cluster is destroyed. */
  readonly finalSnapshot: boolean;
}

export interface ModelConfig {
  readonly routerModelId: string;
  readonly chatModelId: string;
  readonly buildModelId: string;
  readonly embeddingModelId: string;
  readonly embeddingDimensions: number;
}

export interface BuildConfig {
  /** Fargate task size: CPU units and MiB. */
  readonly cpu: number;
  readonly memory: number;
  readonly architecture: 'ARM64' | 'X86_64';
  readonly containerInsights: boolean;
  readonly coreTimeoutSeconds: number;
  readonly oiTimeoutSeconds: number;
  /**
   * `local`: Terraform builds docker/build with a local Docker engine and pushes it.
   * `prebuilt`: use `prebuiltImageTag`, already pushed to the repository (no Docker needed).
   */
  readonly image: { readonly source: 'local' } | { readonly source: 'prebuilt'; readonly tag: string };
}

export interface WebSocketConfig {
  readonly throttlingBurstLimit: number;
  readonly throttlingRateLimit: number;
}

export interface StageConfig {
  readonly stage: StageName;
  readonly region: string;
  readonly stateBucket: string;
  readonly natGateways: number;
  readonly aurora: AuroraConfig;
  readonly logRetentionDays: number;
  /** DynamoDB deletion protection. */
  readonly deletionProtection: boolean;
  /** Let `terraform destroy` empty and delete buckets and repositories. */
  readonly forceDestroy: boolean;
  readonly models: ModelConfig;
  readonly connectionTtlSeconds: number;
  readonly websocket: WebSocketConfig;
  readonly build: BuildConfig;
}

export const DEFAULT_REGION = 'us-west-2';
export const DEFAULT_STATE_BUCKET = 'fable-terraform-state';
export const AVAILABILITY_ZONE_COUNT = 2;

const MODELS: ModelConfig = {
  routerModelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  chatModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  buildModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  embeddingModelId: 'amazon.titan-embed-text-v2:0',
  embeddingDimensions: 1024,
};

const BUILD: BuildConfig = {
  cpu: 1024,
  memory: 2048,
  architecture: 'ARM64',
  containerInsights: false,
  coreTimeoutSeconds: 45 * 60,
  oiTimeoutSeconds: 60 * 60,
  image: { source: 'local' },
};

type StageDefaults = Omit<StageConfig, 'stage' | 'stateBucket'>;

const DEV: StageDefaults = {
  region: DEFAULT_REGION,
  natGateways: 1,
  aurora: {
    engineVersion: '16.6',
    minCapacity: 0,
    maxCapacity: 4,
    secondsUntilAutoPause: 900,
    deletionProtection: false,
    backupRetentionDays: 7,
    finalSnapshot: false,
  },
  logRetentionDays: 14,
  deletionProtection: false,
  forceDestroy: true,
  models: MODELS,
  connectionTtlSeconds: 2 * 60 * 60,
  websocket: { throttlingBurstLimit: 100, throttlingRateLimit: 50 },
  build: BUILD,
};

const PROD: StageDefaults = {
  ...DEV,
  natGateways: 2,
  aurora: {
    engineVersion: '16.6',
    minCapacity: 0.5,
    maxCapacity: 16,
    deletionProtection: true,
    backupRetentionDays: 14,
    finalSnapshot: true,
  },
  logRetentionDays: 90,
  deletionProtection: true,
  forceDestroy: false,
  websocket: { throttlingBurstLimit: 500, throttlingRateLimit: 200 },
  build: { ...BUILD, containerInsights: true },
};

export const STAGE_DEFAULTS: Readonly<Record<string, StageDefaults>> = { dev: DEV, prod: PROD };

/** A stage name becomes part of every resource name, so it must be short and DNS-safe. */
const STAGE_NAME_PATTERN = /^[a-z][a-z0-9]{1,9}$/;

export interface StageOverrides {
  /** Settings that are not per stage but per environment (CI, a developer's shell). */
  readonly stateBucket?: string;
  readonly region?: string;
  readonly buildImageTag?: string;
}

/** The settings of one stage: its defaults plus the environment's overrides. */
export function stageConfig(stage: StageName, overrides: StageOverrides = {}): StageConfig {
  if (!STAGE_NAME_PATTERN.test(stage)) {
    throw new Error(`Invalid stage name "${stage}": use 2-10 lowercase letters or digits, starting with a letter.`);
  }
  const defaults = STAGE_DEFAULTS[stage];
  if (!defaults) {
    throw new Error(`Unknown stage "${stage}": known stages are ${Object.keys(STAGE_DEFAULTS).join(', ')}.`);
  }
  const config: StageConfig = {
    ...defaults,
    stage,
    region: overrides.region ?? defaults.region,
    stateBucket: overrides.stateBucket ?? DEFAULT_STATE_BUCKET,
  };
  if (overrides.buildImageTag) {
    return { ...config, build: { ...config.build, image: { source: 'prebuilt', tag: overrides.buildImageTag } } };
  }
  return config;
}

/** Overrides read from the process environment (`FABLE_STATE_BUCKET`, `FABLE_REGION`, `FABLE_BUILD_IMAGE_TAG`). */
export function overridesFromEnv(env: NodeJS.ProcessEnv): StageOverrides {
  return {
    stateBucket: env.FABLE_STATE_BUCKET || undefined,
    region: env.FABLE_REGION || undefined,
    buildImageTag: env.FABLE_BUILD_IMAGE_TAG || undefined,
  };
}

/** Stage names from the cdktf context value `stages` (a list or a comma-separated string); default `dev`. */
export function selectedStages(contextValue: unknown): StageName[] {
  if (contextValue === undefined || contextValue === null || contextValue === '') return ['dev'];
  const list = Array.isArray(contextValue)
    ? contextValue
    : typeof contextValue === 'string'
      ? contextValue.split(',').map((s) => s.trim())
      : undefined;
  if (!list || list.length === 0 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw new Error('cdktf context "stages" must be a non-empty list of stage names, e.g. ["dev","prod"].');
  }
  return [...new Set(list as string[])];
}

/** Every resource is named `fable-<stage>-<component>` (DESIGN.md section 2). */
export function resourceName(stage: StageName, component: string): string {
  return `fable-${stage}-${component}`;
}
