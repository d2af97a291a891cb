import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { QuotaLimits } from '../contract';
import type { AuditTrail } from '../audit';
import { recordRefusal } from '../metrics';
import { effectiveLimits, OverrideCache, parseQuotaLimits } from './limits';
import type { RefusalRecorder } from './refusals';
import type { QuotaTable } from './table';

/** What a handler that enforces spend caps needs: the table, the stage's limits, overrides, and where refusals go. */
export interface Quotas extends RefusalRecorder {
  readonly table: QuotaTable;
  readonly defaults: QuotaLimits;
  readonly overrides: OverrideCache;
}

/** The container's quotas, from `QUOTAS_TABLE` and `QUOTA_LIMITS`; the override cache lives as long as the container. */
export function containerQuotas(dynamo: DynamoDBDocumentClient, env: { QUOTAS_TABLE: string; QUOTA_LIMITS: string }, audit: AuditTrail): Quotas {
  return { table: { dynamo, tableName: env.QUOTAS_TABLE }, defaults: parseQuotaLimits(env.QUOTA_LIMITS), overrides: new OverrideCache(), audit, countRefusal: recordRefusal };
}

/** The limits of one caller now (stage defaults with the operator's overrides). */
export function limitsOf(quotas: Quotas, caller: { readonly userId: string; readonly orgId: string }, now: Date): Promise<QuotaLimits> {
  return effectiveLimits(quotas.table, quotas.overrides, quotas.defaults, caller, now);
}
