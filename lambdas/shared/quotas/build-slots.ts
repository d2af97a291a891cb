import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys, quotaKeys, type QuotaLimits } from '../contract';
import { conditionFailedAt, type TransactItem } from '../transactions';
import { usageExpiry, utcDay } from './days';
import type { QuotaTable } from './table';
import { log } from '../telemetry';

/*
 * Builds are limited by two counters, claimed in the transaction that creates the build item:
 * - the user's `builds` of today (the day counter `USAGE#<day>`), an ADD under `builds < limit`;
 * - the org's unfinished builds: item `BUILDS#active` holds `active`, a map from build id to the
 *   epoch second the build's slot lapses. A claim adds the build under `size(active) < limit`;
 *   the status change that ends the build removes it in the same transaction. A build that never
 *   reaches a final status (its execution timed out or was stopped outside FABLE) stops counting
 *   when its slot lapses, at the pipeline's own timeout: no execution can run longer than that.
 * A map, not a number, so a lapsed slot can be found and taken out, and a release is idempotent.
 */

export interface BuildClaim {
  readonly buildId: string;
  readonly userId: string;
  readonly orgId: string;
}

const slotsKey = (orgId: string) => ({ PK: keys.org(orgId), SK: quotaKeys.buildSlots });

/**
 * Make the org's slot map ready for a claim: create it if missing, and take out slots that have
 * lapsed (each removal is conditional on the slot being the lapsed one, so racing kickoffs agree).
 */
export async function prepareBuildSlots(table: QuotaTable, orgId: string, now: Date): Promise<void> {
  const { Item } = await table.dynamo.send(new GetCommand({ TableName: table.tableName, Key: slotsKey(orgId), ConsistentRead: true }));
  const active = Item?.active as Record<string, number> | undefined;
  if (active === undefined) {
    await table.dynamo.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: slotsKey(orgId),
        UpdateExpression: 'SET active = if_not_exists(active, :empty)',
        ExpressionAttributeValues: { ':empty': {} },
      }),
    );
    return;
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const lapsed = Object.entries(active).filter(([, until]) => until <= nowSeconds);
  for (const [buildId, until] of lapsed) {
    try {
      await table.dynamo.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: slotsKey(orgId),
          UpdateExpression: 'REMOVE active.#build',
          ConditionExpression: 'active.#build = :until',
          ExpressionAttributeNames: { '#build': buildId },
          ExpressionAttributeValues: { ':until': until },
        }),
      );
      log.warn('build slot lapsed without a final status', { buildId, orgId });
    } catch (error) {
      if (!conditionFailedAt(error, 0)) throw error;
    }
  }
}

/**
 * The two claims, for the transaction that creates the build item (after `prepareBuildSlots`):
 * the user's day counter first, then the org's slot. Either condition false cancels the whole
 * transaction, so a refused build writes nothing.
 */
export function buildClaims(
  table: QuotaTable,
  claim: BuildClaim,
  limits: Pick<QuotaLimits, 'buildsPerUserPerDay' | 'concurrentBuildsPerOrg'>,
  slotSeconds: number,
  now: Date,
): [userDay: TransactItem, orgSlot: TransactItem] {
  return [
    {
      Update: {
        TableName: table.tableName,
        Key: { PK: keys.user(claim.userId), SK: quotaKeys.usage(utcDay(now)) },
        UpdateExpression: 'ADD builds :one SET #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: 'attribute_not_exists(builds) OR builds < :limit',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':limit': limits.buildsPerUserPerDay, ':ttl': usageExpiry(now) },
      },
    },
    {
      Update: {
        TableName: table.tableName,
        Key: slotsKey(claim.orgId),
        UpdateExpression: 'SET active.#build = :until',
        ConditionExpression: 'size(active) < :limit',
        ExpressionAttributeNames: { '#build': claim.buildId },
        ExpressionAttributeValues: { ':until': Math.floor(now.getTime() / 1000) + slotSeconds, ':limit': limits.concurrentBuildsPerOrg },
      },
    },
  ];
}

/**
 * The release of a build's slot, for the transaction that gives the build a final status; none
 * when the org has no slot map (a build started before spend caps existed holds no slot). The map,
 * once there, is never removed, so the read cannot go stale; removing an absent slot changes nothing.
 */
export async function buildSlotRelease(table: QuotaTable, orgId: string, buildId: string): Promise<TransactItem[]> {
  const { Item } = await table.dynamo.send(
    new GetCommand({ TableName: table.tableName, Key: slotsKey(orgId), ConsistentRead: true, ProjectionExpression: 'active' }),
  );
  if (Item?.active === undefined) return [];
  return [
    {
      Update: {
        TableName: table.tableName,
        Key: slotsKey(orgId),
        UpdateExpression: 'REMOVE active.#build',
        ExpressionAttributeNames: { '#build': buildId },
      },
    },
  ];
}
