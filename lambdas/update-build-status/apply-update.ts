import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditRef, isFinalBuildStatus, keys, type AuditEventType, type BuildItem } from '../shared/contract';
import { auditPut, type AuditTrail } from '../shared/audit';
import { conflict, notFound } from '../shared/responses';
import { conditionFailedAt } from '../shared/transactions';
import { buildSlotRelease } from '../shared/quotas/build-slots';
import type { QuotaTable } from '../shared/quotas/table';
import type { StatusUpdate } from './status-update';
import { conditionalUpdate } from './transition';

export interface BuildsTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** The statuses that end a build, and the audit event each one is. */
const FINAL_EVENTS: Partial<Record<StatusUpdate['status'], AuditEventType>> = {
  completed: 'build_completed',
  failed: 'build_failed',
  // From the pipeline, a rejection is the approval's timeout: a person's rejection is recorded by build-kickoff's review.
  rejected: 'build_rejected',
  cancelled: 'build_cancelled',
};
const REASONS: Partial<Record<StatusUpdate['status'], string>> = { rejected: 'approval_timeout' };

/**
 * Apply a status change in one conditional write and return the build as it now is. A stale or
 * repeated update changes nothing and is a CONFLICT; an unknown build is NOT_FOUND. A change that
 * ends the build is written in one transaction with its audit event and the release of its org's
 * build slot (quotas): all or nothing, so the pipeline's retry of a failed write records and
 * releases it once (a retry of a written one is a CONFLICT).
 */
export async function applyStatusUpdate(
  builds: BuildsTable,
  audit: AuditTrail,
  quotas: QuotaTable,
  update: StatusUpdate,
  now: string,
): Promise<BuildItem> {
  const Key = { PK: keys.build(update.buildId), SK: keys.meta };
  const guarded = conditionalUpdate(update, now);
  const write = {
    TableName: builds.tableName,
    Key,
    UpdateExpression: guarded.updateExpression,
    ConditionExpression: guarded.conditionExpression,
    ExpressionAttributeNames: guarded.names,
    ExpressionAttributeValues: guarded.values,
  };
  const finalEvent = FINAL_EVENTS[update.status];
  try {
    if (!finalEvent) {
      const { Attributes } = await builds.dynamo.send(new UpdateCommand({ ...write, ReturnValues: 'ALL_NEW' }));
      return Attributes as BuildItem;
    }
    // The event names the build's owner and org, which only the item knows.
    const build = await readBuild(builds, Key, update.buildId);
    const phase = update.phase ?? build.phase;
    const event = auditPut(
      audit,
      {
        type: finalEvent,
        orgId: build.orgId,
        userId: build.userId,
        actor: auditRef('service', 'build-pipeline'),
        target: auditRef('build', build.buildId),
        outcome: update.status === 'completed' ? 'success' : 'failure',
        ...(phase !== undefined || REASONS[update.status] ? { detail: { ...(phase !== undefined ? { phase } : {}), ...(REASONS[update.status] ? { reason: REASONS[update.status] } : {}) } } : {}),
      },
      { at: now },
    );
    const release = isFinalBuildStatus(update.status) ? await buildSlotRelease(quotas, build.orgId, build.buildId) : [];
    await builds.dynamo.send(new TransactWriteCommand({ TransactItems: [{ Update: write }, event, ...release] }));
    const { approvalToken: _token, ...kept } = build;
    return { ...kept, status: update.status, ...(phase !== undefined ? { phase } : {}), updatedAt: now };
  } catch (error) {
    if (!conditionFailedAt(error, 0)) throw error;
  }
  const current = await readBuild(builds, Key, update.buildId);
  const where = current.phase ? `${current.status} (${current.phase})` : current.status;
  const target = update.phase ? `${update.status} (${update.phase})` : update.status;
  throw conflict(`Build ${update.buildId} is ${where}; it cannot move to ${target}`);
}

async function readBuild(builds: BuildsTable, Key: Record<string, string>, buildId: string): Promise<BuildItem> {
  const { Item } = await builds.dynamo.send(new GetCommand({ TableName: builds.tableName, Key, ConsistentRead: true }));
  if (!Item) throw notFound(`Build ${buildId} not found`);
  return Item as BuildItem;
}
