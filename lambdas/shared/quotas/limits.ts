import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, ORG_LIMITS, quotaKeys, quotaLimits, quotaOverride, USER_LIMITS, type QuotaLimits, type QuotaOverride } from '../contract';
import type { QuotaTable } from './table';
import { log } from '../telemetry';

/** How long a container keeps an override it read: an operator's change applies within this. */
export const OVERRIDE_CACHE_MS = 60_000;

/** The stage's limits as the stack hands them over (`QUOTA_LIMITS`, JSON of `StageConfig.quotas`). */
export function parseQuotaLimits(json: string): QuotaLimits {
  const parsed = quotaLimits.safeParse(JSON.parse(json));
  if (!parsed.success) throw new Error(`QUOTA_LIMITS is not a valid set of limits: ${parsed.error.message}`);
  return parsed.data;
}

interface Cached {
  readonly override: QuotaOverride;
  readonly until: number;
}

/**
 * Operators' `LIMITS` items, read with a short per-container cache so a busy user costs one read
 * a minute, not one per message. Unknown or invalid fields of an item are ignored (logged), so a
 * typo in an override never blocks anyone.
 */
export class OverrideCache {
  readonly #entries = new Map<string, Cached>();

  constructor(private readonly ttlMs: number = OVERRIDE_CACHE_MS) {}

  async overrides(table: QuotaTable, partitions: readonly string[], now: Date): Promise<QuotaOverride[]> {
    const at = now.getTime();
    const missing = partitions.filter((pk) => (this.#entries.get(pk)?.until ?? 0) <= at);
    const items = await Promise.all(
      missing.map((PK) => table.dynamo.send(new GetCommand({ TableName: table.tableName, Key: { PK, SK: quotaKeys.limits } }))),
    );
    missing.forEach((pk, i) => {
      const item = items[i].Item;
      this.#entries.set(pk, { override: item ? readOverride(pk, item) : {}, until: at + this.ttlMs });
    });
    return partitions.map((pk) => this.#entries.get(pk)!.override);
  }
}

function readOverride(pk: string, item: Record<string, unknown>): QuotaOverride {
  const override: Record<string, number> = {};
  for (const name of [...USER_LIMITS, ...ORG_LIMITS]) {
    if (item[name] === undefined) continue;
    const value = quotaOverride.shape[name].safeParse(item[name]);
    if (value.success && value.data !== undefined) override[name] = value.data;
    else log.warn('ignored an invalid limit override', { partition: pk, limit: name });
  }
  return override;
}

/**
 * The limits that apply to one user of one org: for the user's own limits, the user's override,
 * else the org's, else the stage's; for the org's limits, the org's override, else the stage's.
 */
export async function effectiveLimits(
  table: QuotaTable,
  cache: OverrideCache,
  defaults: QuotaLimits,
  caller: { readonly userId: string; readonly orgId: string },
  now: Date,
): Promise<QuotaLimits> {
  const [user, org] = await cache.overrides(table, [keys.user(caller.userId), keys.org(caller.orgId)], now);
  const limits: Record<string, number> = { ...defaults };
  for (const name of USER_LIMITS) limits[name] = user[name] ?? org[name] ?? defaults[name];
  for (const name of ORG_LIMITS) limits[name] = org[name] ?? defaults[name];
  return limits as QuotaLimits;
}
