import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalDynamo } from '../../scripts/local/dynamodb-local';
import type { QuotaLimits, QuotaOverride, RefusalReason } from '../../lambdas/shared/contract';
import { OverrideCache } from '../../lambdas/shared/quotas/limits';
import type { Quotas } from '../../lambdas/shared/quotas/quotas';

/** Limits high enough that tests about something else never meet them. */
export const ROOMY_LIMITS: QuotaLimits = {
  messagesPerMinute: 10_000,
  messageBurst: 10_000,
  dailyTokensPerUser: 100_000_000,
  dailyTokensPerOrg: 100_000_000,
  concurrentBuildsPerOrg: 10_000,
  buildsPerUserPerDay: 10_000,
};

export interface TestQuotaOptions {
  readonly limits?: Partial<QuotaLimits>;
  readonly auditTable?: string;
  /** Receives each refusal the code counts (the Refusals metric's hook). */
  readonly refusals?: RefusalReason[];
  /** 0: every check reads the override items afresh. */
  readonly overrideCacheMs?: number;
}

/** Quotas on DynamoDB Local's quotas table. */
export function testQuotas(dynamo: LocalDynamo, options: TestQuotaOptions = {}): Quotas {
  const refusals = options.refusals;
  return {
    table: { dynamo: dynamo.doc, tableName: dynamo.tableName('quotas') },
    defaults: { ...ROOMY_LIMITS, ...options.limits },
    overrides: new OverrideCache(options.overrideCacheMs ?? 0),
    audit: { dynamo: dynamo.doc, tableName: options.auditTable ?? dynamo.tableName('audit') },
    ...(refusals ? { countRefusal: (reason: RefusalReason) => void refusals.push(reason) } : {}),
  };
}

/** The environment values a handler reads its quotas from. */
export function quotaEnvironment(dynamo: LocalDynamo, limits: Partial<QuotaLimits> = {}): Record<string, string> {
  return { QUOTAS_TABLE: dynamo.tableName('quotas'), QUOTA_LIMITS: JSON.stringify({ ...ROOMY_LIMITS, ...limits }) };
}

/** An operator's override item, as `aws dynamodb put-item` would write it. */
export async function putOverride(dynamo: LocalDynamo, partition: string, override: QuotaOverride & Record<string, unknown>): Promise<void> {
  await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName('quotas'), Item: { PK: partition, SK: 'LIMITS', ...override } }));
}
