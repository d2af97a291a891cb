/**
 * Typed per-stage settings. dev and prod differ only through these values (DESIGN.md section 2).
 * `stageConfig()` is the one place a stage's settings are validated and their derived values
 * (the build phases' deadlines) computed; constructs read the result through `FableStage.of()`.
 */
import * as z from 'zod';
import { LOG_LEVELS, LOG_RETENTION_DAYS, quotaLimits, type LogLevel, type QuotaLimits } from '../lambdas/shared/contract';

export type StageName = string;

export interface AuroraConfig {
  /**
   * Aurora PostgreSQL minor version at creation: a long-term-support minor (security fixes for
   * about three years) that ships pgvector 0.8 and supports 0-ACU auto-pause. AWS's own minor
   * upgrades after that are accepted, never planned back (the cluster ignores engine_version drift).
   */
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
  /** The build agent's main model. */
  readonly buildModelId: string;
  /** The build agent's small/fast model (Claude Code's background work); pinned so it is one the agent may invoke. */
  readonly buildSmallModelId: string;
  readonly embeddingModelId: string;
  readonly embeddingDimensions: number;
}

export interface BuildConfig {
  /** Fargate task size: CPU units and MiB. */
  readonly cpu: number;
  readonly memory: number;
  readonly architecture: 'ARM64' | 'X86_64';
  readonly containerInsights: boolean;
  /** Step Functions' limit on each container phase (the ECS task state's TimeoutSeconds). */
  readonly coreTimeoutSeconds: number;
  readonly oiTimeoutSeconds: number;
  /** The whole execution's limit; the phases must time out (and mark the build failed) first. */
  readonly pipelineTimeoutSeconds: number;
  /**
   * `local`: Terraform builds docker/build with a local Docker engine and pushes it.
   * `prebuilt`: use `tag`, already pushed to the repository (no Docker needed).
   */
  readonly image: { readonly source: 'local' } | { readonly source: 'prebuilt'; readonly tag: string };
  /**
   * A person approves the exact bundles (by SHA-256) before anything is deployed. Off, the
   * pipeline deploys right after OI, still only the bundles hashed then.
   */
  readonly requireApproval: boolean;
  /** No decision within this long rejects the build (timeout). */
  readonly approvalTimeoutHours: number;
  /** No new builds (build-kickoff `start` answers UNAVAILABLE); an operator's settings item in the builds table overrides it at run time. */
  readonly paused: boolean;
  /**
   * Where build tasks may connect. `internet`: HTTPS anywhere through the NAT gateways (the agent
   * can install npm packages). `aws-only`: no route out of the VPC; S3 through its gateway
   * endpoint and ECR, CloudWatch Logs, STS and Bedrock runtime through interface endpoints.
   */
  readonly egress: BuildEgress;
}

export const BUILD_EGRESS_MODES = ['internet', 'aws-only'] as const;
export type BuildEgress = (typeof BUILD_EGRESS_MODES)[number];

/** Runtime-deployed tools. */
export interface ToolsConfig {
  /** Each tool function's reserved concurrency: its ceiling, taken from the account's unreserved pool. */
  readonly reservedConcurrency: number;
}

export interface WebSocketConfig {
  readonly throttlingBurstLimit: number;
  readonly throttlingRateLimit: number;
}

export type MfaMode = 'optional' | 'required';

/** Sign-in (Cognito) and the WebSocket door (DESIGN.md section 9). */
export interface AuthConfig {
  /**
   * Let a connection without a token in, as user `anonymous` of org `default` (local demos only).
   * A token that is presented is still verified: a bad one is refused, never downgraded.
   */
  readonly allowAnonymous: boolean;
  /** Anyone may sign up; otherwise only an administrator creates users. */
  readonly selfSignUp: boolean;
  /** TOTP MFA: offered to every user, or required of every user. */
  readonly mfa: MfaMode;
  /** Where Cognito may send the authorization code (the web app's callback). Empty: the stage refuses to plan. */
  readonly callbackUrls: readonly string[];
  /** Where Cognito may return after sign-out. Empty: the stage refuses to plan. */
  readonly logoutUrls: readonly string[];
  /** The hosted domain `<prefix>.auth.<region>.amazoncognito.com`; unset, `fable-<stage>-auth-<hash of the account>`. */
  readonly domainPrefix?: string;
}

export type BuildPhaseName = 'core' | 'oi';

/**
 * When an alarm fires: counts are per 5-minute period unless a name says otherwise. Alarms on
 * anything that must never happen (a message in a dead-letter queue, a timed-out build) have no
 * threshold to tune and are not listed here.
 */
export interface AlarmThresholds {
  /** A function's failed invocations, and the share of its invocations (percent) they must also be. */
  readonly functionErrors: number;
  readonly functionErrorRatePercent: number;
  /** A function's throttled invocations (its concurrency, or the account's, ran out). */
  readonly functionThrottles: number;
  /** Build pipeline executions that ended FAILED, per hour (a build can fail for its request's sake). */
  readonly buildFailuresPerHour: number;
  /** WebSocket route calls whose integration answered 4xx/5xx: bad frames answered 400 count too. */
  readonly websocketIntegrationErrors: number;
  /** WebSocket route calls API Gateway could not make (the function throttled, failed or timed out). */
  readonly websocketExecutionErrors: number;
  /** Aurora's average capacity over 15 minutes, as a fraction of `aurora.maxCapacity`. */
  readonly auroraCapacityFraction: number;
  /** Read or write throttle events of one table or index. */
  readonly dynamoThrottleEvents: number;
  /** Failed tool invocations (FABLE's ToolErrors metric). */
  readonly toolErrors: number;
}

export interface AlarmConfig {
  /** Who is e-mailed when an alarm changes state; each address must confirm its subscription once. */
  readonly emails: readonly string[];
  readonly thresholds: AlarmThresholds;
}

/** One container phase's limits, derived from its own setting. */
export interface PhaseDeadline {
  /** What Step Functions allows the ECS task. */
  readonly taskTimeoutSeconds: number;
  /** What the container allows the agent: ends early enough to upload a failure record. */
  readonly agentTimeoutSeconds: number;
}

/** The stage's monthly AWS Budgets cost budget (DESIGN.md section 10). */
export interface BudgetConfig {
  /** USD per calendar month, for the stage's resources (its `Stage` cost allocation tag). */
  readonly monthlyUsd: number;
  /**
   * Who is told at 80 % forecast and 100 % actual: the stage's alarm topic (always), plus these
   * addresses directly (Budgets e-mails them; no subscription to confirm).
   */
  readonly emails: readonly string[];
}

export interface StageConfig {
  readonly stage: StageName;
  readonly region: string;
  /**
   * The S3 bucket holding Terraform state (FABLE_STATE_BUCKET). Unset, the synth is for review
   * only: the stacks keep a local backend and refuse to plan.
   */
  readonly stateBucket?: string;
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
  readonly tools: ToolsConfig;
  readonly auth: AuthConfig;
  /** Derived from `build`: each phase's deadlines, computed once for the pipeline and the container. */
  readonly phases: Readonly<Record<BuildPhaseName, PhaseDeadline>>;
  readonly logLevel: LogLevel;
  readonly alarms: AlarmConfig;
  /** Spend caps per user and org (DESIGN.md section 10); operators override them per user or org at run time. */
  readonly quotas: QuotaLimits;
  readonly budget: BudgetConfig;
}

export const DEFAULT_REGION = 'us-west-2';
export const AVAILABILITY_ZONE_COUNT = 2;
/**
 * The agent's own deadline ends this long before the pipeline's task timeout, so the container
 * still has time to upload its failure record before Step Functions stops the task.
 */
export const PHASE_TIMEOUT_MARGIN_SECONDS = 300;

const MODELS: ModelConfig = {
  routerModelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  chatModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  buildModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  buildSmallModelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
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
  pipelineTimeoutSeconds: 2 * 60 * 60,
  image: { source: 'local' },
  requireApproval: true,
  approvalTimeoutHours: 24,
  paused: false,
  // Both stages: the oi agent installs tools' npm dependencies (README, "Build egress").
  egress: 'internet',
};

/** Aurora PostgreSQL 16's designated long-term-support minor. */
const AURORA_ENGINE_VERSION = '16.8';

export type StageDefaults = Omit<StageConfig, 'stage' | 'stateBucket' | 'phases'>;

const DEV: StageDefaults = {
  region: DEFAULT_REGION,
  natGateways: 1,
  aurora: {
    engineVersion: AURORA_ENGINE_VERSION,
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
  tools: { reservedConcurrency: 5 },
  auth: {
    allowAnonymous: false,
    selfSignUp: false,
    mfa: 'optional',
    callbackUrls: ['http://localhost:3000/callback'],
    logoutUrls: ['http://localhost:3000/'],
  },
  // Developers read dev's logs; DEBUG may carry message content, which prod never logs.
  logLevel: 'DEBUG',
  alarms: {
    emails: [],
    thresholds: {
      functionErrors: 5,
      functionErrorRatePercent: 10,
      functionThrottles: 5,
      buildFailuresPerHour: 5,
      websocketIntegrationErrors: 20,
      websocketExecutionErrors: 5,
      auroraCapacityFraction: 0.9,
      dynamoThrottleEvents: 20,
      toolErrors: 10,
    },
  },
  // A developer testing by hand stays well inside these; a runaway script does not get far.
  quotas: {
    messagesPerMinute: 20,
    messageBurst: 10,
    dailyTokensPerUser: 200_000,
    dailyTokensPerOrg: 1_000_000,
    concurrentBuildsPerOrg: 2,
    buildsPerUserPerDay: 10,
  },
  budget: { monthlyUsd: 300, emails: [] },
};

const PROD: StageDefaults = {
  ...DEV,
  natGateways: 2,
  aurora: {
    engineVersion: AURORA_ENGINE_VERSION,
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
  // The web app's URLs are the deployment's own: FABLE_AUTH_CALLBACK_URLS / FABLE_AUTH_LOGOUT_URLS.
  auth: { allowAnonymous: false, selfSignUp: false, mfa: 'required', callbackUrls: [], logoutUrls: [] },
  logLevel: 'INFO',
  alarms: {
    emails: [],
    thresholds: {
      functionErrors: 3,
      functionErrorRatePercent: 1,
      functionThrottles: 1,
      buildFailuresPerHour: 3,
      websocketIntegrationErrors: 50,
      websocketExecutionErrors: 1,
      auroraCapacityFraction: 0.8,
      dynamoThrottleEvents: 5,
      toolErrors: 5,
    },
  },
  quotas: {
    messagesPerMinute: 30,
    messageBurst: 15,
    dailyTokensPerUser: 500_000,
    dailyTokensPerOrg: 5_000_000,
    concurrentBuildsPerOrg: 3,
    buildsPerUserPerDay: 20,
  },
  budget: { monthlyUsd: 2_000, emails: [] },
};

export const STAGE_DEFAULTS: Readonly<Record<string, StageDefaults>> = { dev: DEV, prod: PROD };

/** A stage name becomes part of every resource name, so it must be short and DNS-safe. */
export const STAGE_NAME_PATTERN = /^[a-z][a-z0-9]{1,9}$/;

const positiveInt = z.number().int().positive();

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Cognito's rule for redirect URLs: https, plain http only to this machine, no fragment. */
function redirectUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.hash !== '' || value.includes('#')) return 'must not have a #fragment';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return 'must use https (plain http only for localhost)';
}

const redirectUrls = z
  .array(
    z
      .string()
      .max(1024)
      .superRefine((value, context) => {
        const problem = redirectUrlProblem(value);
        if (problem) context.addIssue({ code: 'custom', message: `${problem}: "${value}"` });
      }),
  )
  .max(100);

/** Cognito's domain prefix rule: lowercase letters, digits and inner hyphens, none of its reserved words. */
const domainPrefix = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen')
  .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'must not contain "aws", "amazon" or "cognito"');
const fraction = z.number().gt(0).max(1);
const modelId = z.string().regex(/^[a-z0-9.:-]+$/, 'must be a Bedrock model or inference profile id');

/** Every rule a stage's settings must satisfy; cross-field rules name both fields. */
const stageDefaultsSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-west-2'),
    natGateways: z.number().int().min(1).max(AVAILABILITY_ZONE_COUNT),
    aurora: z.object({
      engineVersion: z.string().regex(/^16\.\d+$/, 'must be an Aurora PostgreSQL 16 minor version such as 16.8'),
      minCapacity: z.number().min(0).max(256),
      maxCapacity: z.number().min(1).max(256),
      secondsUntilAutoPause: z.number().int().min(300).max(86_400).optional(),
      deletionProtection: z.boolean(),
      backupRetentionDays: z.number().int().min(7).max(35),
      finalSnapshot: z.boolean(),
    }),
    logRetentionDays: z.number().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `must be one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(', ')})`,
    }),
    deletionProtection: z.boolean(),
    forceDestroy: z.boolean(),
    models: z.object({
      routerModelId: modelId,
      chatModelId: modelId,
      buildModelId: modelId,
      buildSmallModelId: modelId,
      embeddingModelId: modelId,
      embeddingDimensions: z.union([z.literal(256), z.literal(512), z.literal(1024)]),
    }),
    connectionTtlSeconds: positiveInt,
    websocket: z.object({ throttlingBurstLimit: positiveInt, throttlingRateLimit: z.number().positive() }),
    build: z.object({
      cpu: positiveInt,
      memory: positiveInt,
      architecture: z.enum(['ARM64', 'X86_64']),
      containerInsights: z.boolean(),
      coreTimeoutSeconds: z.number().int().min(PHASE_TIMEOUT_MARGIN_SECONDS + 60),
      oiTimeoutSeconds: z.number().int().min(PHASE_TIMEOUT_MARGIN_SECONDS + 60),
      pipelineTimeoutSeconds: positiveInt,
      image: z.union([
        z.object({ source: z.literal('local') }),
        z.object({ source: z.literal('prebuilt'), tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an ECR image tag') }),
      ]),
      requireApproval: z.boolean(),
      // A waiting task may wait up to a year; a week is plenty for a person to answer.
      approvalTimeoutHours: z.number().int().min(1).max(7 * 24),
      paused: z.boolean(),
      egress: z.enum(BUILD_EGRESS_MODES),
    }),
    tools: z.object({ reservedConcurrency: z.number().int().min(1).max(1000) }),
    auth: z.object({
      allowAnonymous: z.boolean(),
      selfSignUp: z.boolean(),
      mfa: z.enum(['optional', 'required']),
      callbackUrls: redirectUrls,
      logoutUrls: redirectUrls,
      domainPrefix: domainPrefix.optional(),
    }),
    logLevel: z.enum(LOG_LEVELS),
    alarms: z.object({
      emails: z
        .array(z.email('must be an e-mail address'))
        .refine((emails) => new Set(emails.map((email) => email.toLowerCase())).size === emails.length, 'must not name an address twice'),
      thresholds: z.object({
        functionErrors: positiveInt,
        functionErrorRatePercent: z.number().gt(0).max(100),
        functionThrottles: positiveInt,
        buildFailuresPerHour: positiveInt,
        websocketIntegrationErrors: positiveInt,
        websocketExecutionErrors: positiveInt,
        auroraCapacityFraction: fraction,
        dynamoThrottleEvents: positiveInt,
        toolErrors: positiveInt,
      }),
    }),
    quotas: quotaLimits,
    budget: z.object({
      monthlyUsd: z.number().positive(),
      emails: z
        .array(z.email('must be an e-mail address'))
        .max(10, 'AWS Budgets notifies at most 10 e-mail addresses')
        .refine((emails) => new Set(emails.map((email) => email.toLowerCase())).size === emails.length, 'must not name an address twice'),
    }),
  })
  .superRefine((config, context) => {
    const { aurora, build } = config;
    if (aurora.minCapacity === 0 && aurora.secondsUntilAutoPause === undefined) {
      context.addIssue({ code: 'custom', path: ['aurora', 'secondsUntilAutoPause'], message: 'is required when aurora.minCapacity is 0 (auto-pause)' });
    }
    if (aurora.maxCapacity < aurora.minCapacity) {
      context.addIssue({ code: 'custom', path: ['aurora', 'maxCapacity'], message: 'must be at least aurora.minCapacity' });
    }
    // The machine timeout ends an execution TIMED_OUT without running MarkFailed, so the phase
    // timeouts (which do run it) must fire first.
    if (build.coreTimeoutSeconds + build.oiTimeoutSeconds >= build.pipelineTimeoutSeconds) {
      context.addIssue({
        code: 'custom',
        path: ['build', 'pipelineTimeoutSeconds'],
        message: `must exceed build.coreTimeoutSeconds + build.oiTimeoutSeconds (${build.coreTimeoutSeconds + build.oiTimeoutSeconds}), or a slow build would time out without being marked failed`,
      });
    }
  });

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ');
}

/**
 * The build execution's whole timeout: the build's own working time, plus however long a person
 * may take to decide when the stage requires approval. No execution runs longer than this.
 */
export function executionTimeoutSeconds(build: Pick<BuildConfig, 'pipelineTimeoutSeconds' | 'requireApproval' | 'approvalTimeoutHours'>): number {
  return build.pipelineTimeoutSeconds + (build.requireApproval ? build.approvalTimeoutHours * 3600 : 0);
}

/** Each phase's deadlines from its own setting: the agent stops PHASE_TIMEOUT_MARGIN_SECONDS before Step Functions would. */
export function phaseDeadlines(build: Pick<BuildConfig, 'coreTimeoutSeconds' | 'oiTimeoutSeconds'>): Record<BuildPhaseName, PhaseDeadline> {
  const deadline = (taskTimeoutSeconds: number): PhaseDeadline => ({
    taskTimeoutSeconds,
    agentTimeoutSeconds: taskTimeoutSeconds - PHASE_TIMEOUT_MARGIN_SECONDS,
  });
  return { core: deadline(build.coreTimeoutSeconds), oi: deadline(build.oiTimeoutSeconds) };
}

export interface StageOverrides {
  /** Settings that are not per stage but per environment (CI, a developer's shell). */
  readonly stateBucket?: string;
  readonly region?: string;
  readonly buildImageTag?: string;
  /** The web app's sign-in callback and sign-out URLs, and the hosted domain prefix, of this deployment. */
  readonly authCallbackUrls?: readonly string[];
  readonly authLogoutUrls?: readonly string[];
  readonly authDomainPrefix?: string;
  /** Replaces the stage's `alarms.emails`: who is paged is a property of the deployment, not of the code. */
  readonly alarmEmails?: readonly string[];
  /** Replace the stage's `budget.monthlyUsd` and `budget.emails`: what a deployment may spend, and who hears of it. */
  readonly budgetMonthlyUsd?: number;
  readonly budgetEmails?: readonly string[];
}

/** The settings of one stage: its defaults plus the environment's overrides, validated, with derived values. */
export function stageConfig(stage: StageName, overrides: StageOverrides = {}, defaults: Readonly<Record<string, StageDefaults>> = STAGE_DEFAULTS): StageConfig {
  if (!STAGE_NAME_PATTERN.test(stage)) {
    throw new Error(`Invalid stage name "${stage}": use 2-10 lowercase letters or digits, starting with a letter.`);
  }
  const base = defaults[stage];
  if (!base) {
    throw new Error(`Unknown stage "${stage}": known stages are ${Object.keys(defaults).join(', ')}.`);
  }
  const domainPrefix = overrides.authDomainPrefix ?? base.auth.domainPrefix;
  const merged: StageDefaults = {
    ...base,
    region: overrides.region ?? base.region,
    build: overrides.buildImageTag ? { ...base.build, image: { source: 'prebuilt', tag: overrides.buildImageTag } } : base.build,
    auth: {
      ...base.auth,
      callbackUrls: overrides.authCallbackUrls ?? base.auth.callbackUrls,
      logoutUrls: overrides.authLogoutUrls ?? base.auth.logoutUrls,
      ...(domainPrefix !== undefined ? { domainPrefix } : {}),
    },
    alarms: overrides.alarmEmails ? { ...base.alarms, emails: overrides.alarmEmails } : base.alarms,
    budget: {
      monthlyUsd: overrides.budgetMonthlyUsd ?? base.budget.monthlyUsd,
      emails: overrides.budgetEmails ?? base.budget.emails,
    },
  };
  const checked = stageDefaultsSchema.safeParse(merged);
  if (!checked.success) throw new Error(`Invalid settings for stage "${stage}": ${describeIssues(checked.error)}.`);
  return {
    ...merged,
    stage,
    ...(overrides.stateBucket !== undefined ? { stateBucket: overrides.stateBucket } : {}),
    phases: phaseDeadlines(merged.build),
  };
}

/** A comma-separated list (spaces around items ignored); unset or empty: not given. */
function listFromEnv(value: string | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

/**
 * Overrides read from the process environment: `FABLE_STATE_BUCKET`, `FABLE_REGION`,
 * `FABLE_BUILD_IMAGE_TAG`, `FABLE_AUTH_CALLBACK_URLS` and `FABLE_AUTH_LOGOUT_URLS` (comma-separated),
 * `FABLE_AUTH_DOMAIN_PREFIX`, `FABLE_ALARM_EMAILS` (comma-separated), `FABLE_BUDGET_MONTHLY_USD` (a number),
 * `FABLE_BUDGET_EMAILS` (comma-separated).
 */
export function overridesFromEnv(env: NodeJS.ProcessEnv): StageOverrides {
  return {
    stateBucket: env.FABLE_STATE_BUCKET || undefined,
    region: env.FABLE_REGION || undefined,
    buildImageTag: env.FABLE_BUILD_IMAGE_TAG || undefined,
    authCallbackUrls: listFromEnv(env.FABLE_AUTH_CALLBACK_URLS),
    authLogoutUrls: listFromEnv(env.FABLE_AUTH_LOGOUT_URLS),
    authDomainPrefix: env.FABLE_AUTH_DOMAIN_PREFIX || undefined,
    alarmEmails: listFromEnv(env.FABLE_ALARM_EMAILS),
    budgetMonthlyUsd: env.FABLE_BUDGET_MONTHLY_USD ? Number(env.FABLE_BUDGET_MONTHLY_USD) : undefined,
    budgetEmails: listFromEnv(env.FABLE_BUDGET_EMAILS),
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

/** `fable-<stage>`: the stage's stack, its dashboard, and the start of every resource name. */
export function stagePrefix(stage: StageName): string {
  return `fable-${stage}`;
}

/** Every resource is named `fable-<stage>-<component>` (DESIGN.md section 2). */
export function resourceName(stage: StageName, component: string): string {
  return `${stagePrefix(stage)}-${component}`;
}

/** IAM allows role and policy names of at most this many characters. */
const IAM_NAME_MAX_LENGTH = 64;

/**
 * IAM names are global to the account, while everything else is per region: a deployment
 * outside the default region carries the region in its IAM names, so a second region never
 * collides with the first (DESIGN.md names are those of the default region).
 */
export function iamName(name: string, region: string): string {
  const full = region === DEFAULT_REGION ? name : `${name}-${region}`;
  if (full.length > IAM_NAME_MAX_LENGTH) throw new Error(`IAM name "${full}" is longer than ${IAM_NAME_MAX_LENGTH} characters.`);
  return full;
}
