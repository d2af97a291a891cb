import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Runtime, type LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditTrail } from '../shared/audit';
import { intSetting } from '../shared/config';
import { LOG_RETENTION_DAYS, type LambdaEnvironment } from '../shared/contract';

/** Polling of the SDK waiters, in seconds (tests pass fractions of a second). */
export interface WaiterSettings {
  readonly minDelay: number;
  readonly maxDelay: number;
  readonly maxWaitTime: number;
}

export interface DeployerSettings {
  readonly tableName: string;
  readonly bucket: string;
  /** The one role every tool runs as (bounded by the tool permissions boundary). */
  readonly roleArn: string;
  /** `fable-<stage>-tool-`: the only function names the deployer's IAM policy allows. */
  readonly functionPrefix: string;
  readonly runtime: Runtime;
  readonly stage: string;
  /** How long each tool's log group keeps its events. */
  readonly logRetentionDays: number;
  /** Each tool's reserved concurrency (`StageConfig.tools.reservedConcurrency`). */
  readonly reservedConcurrency: number;
  readonly waiter: WaiterSettings;
}

/** Everything the plain functions need: their clients and settings, injected so tests can pass local engines. */
export interface DeployerDeps {
  readonly lambda: LambdaClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly logs: CloudWatchLogsClient;
  /** Reads each bundle to check its SHA-256 before anything is deployed. */
  readonly s3: S3Client;
  /** Deployments, undeployments and refusals are recorded there (`AUDIT_TABLE`). */
  readonly audit: AuditTrail;
  readonly settings: DeployerSettings;
}

/**
 * Three waits at most per deploy (settle an adopted function, code, configuration), each bounded,
 * so a deploy fits well inside the deployer's own timeout.
 */
export const WAITER_DEFAULTS: WaiterSettings = { minDelay: 1, maxDelay: 5, maxWaitTime: 120 };

/**
 * Settings from the Lambda's environment. The stage is STAGE (the telemetry binding), and a
 * prefix that is not this stage's `fable-<stage>-tool-` is a deployment mistake.
 * TOOL_BOUNDARY_ARN is required by the contract but unused: the deployer never creates roles; every
 * tool runs as TOOL_ROLE_ARN, which already carries that boundary.
 */
export function deployerSettings(env: LambdaEnvironment<'tool-deployer'>, waiter: WaiterSettings = WAITER_DEFAULTS): DeployerSettings {
  const prefix = `fable-${env.STAGE}-tool-`;
  if (env.TOOL_FUNCTION_PREFIX !== prefix) throw new Error(`TOOL_FUNCTION_PREFIX must be ${prefix} (fable-<STAGE>-tool-), got "${env.TOOL_FUNCTION_PREFIX}".`);
  const runtime = Object.values(Runtime).find((known) => known === env.TOOL_RUNTIME);
  if (!runtime) throw new Error(`TOOL_RUNTIME "${env.TOOL_RUNTIME}" is not a Lambda runtime.`);
  const logRetentionDays = intSetting(env.TOOL_LOG_RETENTION_DAYS, 'TOOL_LOG_RETENTION_DAYS');
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new Error(`TOOL_LOG_RETENTION_DAYS must be one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(', ')}), got ${logRetentionDays}.`);
  }
  const reservedConcurrency = intSetting(env.TOOL_RESERVED_CONCURRENCY, 'TOOL_RESERVED_CONCURRENCY');
  return {
    tableName: env.TOOLS_TABLE,
    bucket: env.ARTIFACTS_BUCKET,
    roleArn: env.TOOL_ROLE_ARN,
    functionPrefix: env.TOOL_FUNCTION_PREFIX,
    runtime,
    stage: env.STAGE,
    logRetentionDays,
    reservedConcurrency,
    waiter,
  };
}
