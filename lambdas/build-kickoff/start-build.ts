import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { artifactKeys, auditRef, keys, type BuildItem, type BuildStatus, type PipelineInput, type StartBuildInput } from '../shared/contract';
import { auditPut, type AuditTrail } from '../shared/audit';
import { errorName } from '../shared/aws-errors';
import { HandlerError, describeError } from '../shared/responses';
import { conditionFailedAt, isTransactionConflict, type TransactItem } from '../shared/transactions';
import { withRetry } from '../shared/retry';
import { nextUtcMidnight } from '../shared/quotas/days';
import { buildClaims, buildSlotRelease, prepareBuildSlots } from '../shared/quotas/build-slots';
import { limitsOf, type Quotas } from '../shared/quotas/quotas';
import { orgBuildsRefusal, recordRefusal, refusalError, userBuildsRefusal, type Refusal } from '../shared/quotas/refusals';
import { buildKey, getBuildItem, type BuildsTable } from './build-items';
import { buildIdFor } from './build-id';
import { correlate, log } from '../shared/telemetry';
import { refuseWhilePaused } from './paused';

/** The build item keeps a preview of the request; the whole text is in the S3 spec. */
export const REQUEST_PREVIEW_CHARS = 1_000;

export interface KickoffDeps {
  readonly builds: BuildsTable;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly artifactsBucket: string;
  readonly stateMachineArn: string;
  /** The stage's `build.paused`; the operator's settings item overrides it. */
  readonly pausedByDefault: boolean;
  /** `build_started` and a start failure's `build_failed` are written with the build item's change. */
  readonly audit: AuditTrail;
  /** A user's builds per day and an org's unfinished builds, claimed with the build item. */
  readonly quotas: Quotas;
  /** How long a build counts against its org at most: the pipeline's timeout (`BUILD_SLOT_SECONDS`). */
  readonly buildSlotSeconds: number;
  readonly now?: () => Date;
}

export interface StartedBuild {
  readonly buildId: string;
  readonly status: BuildStatus;
}

/**
 * Start a build: create the `pending` item (claiming the user's and the org's build quotas in the
 * same transaction), write the spec to S3, start the pipeline execution named after the build. A
 * build over a quota is refused with QUOTA_EXCEEDED before anything but the refusal's record is
 * written. A kickoff repeated with the same idempotency key finds the build and only makes sure its
 * spec and execution exist (write-once spec, execution named after the build), claiming nothing again.
 */
export async function startBuild(deps: KickoffDeps, input: StartBuildInput): Promise<StartedBuild> {
  await refuseWhilePaused(deps.builds, deps.pausedByDefault);
  const buildId = buildIdFor(input.userId, input.idempotencyKey);
  // The router's idempotency key is the client's requestId.
  correlate({ buildId, requestId: input.idempotencyKey, connectionId: input.connectionId, conversationId: input.conversationId });
  if (input.idempotencyKey !== undefined) {
    const existing = await getBuildItem(deps.builds, buildId);
    if (existing) return resume(deps, existing, input);
  }
  const now = nowOf(deps);
  const createdAt = now.toISOString();
  const item = pendingItem(buildId, input, createdAt);
  if (!(await putPendingItem(deps, item, now))) {
    const existing = await getBuildItem(deps.builds, buildId);
    if (!existing) throw new Error(`Build ${buildId} vanished after a conditional put failed`);
    return resume(deps, existing, input);
  }
  await putSpec(deps, buildId, input, createdAt);
  await startPipeline(deps, item);
  return { buildId, status: 'pending' };
}

/** A duplicate kickoff: report the build as it is, finishing its start if that never happened. */
async function resume(deps: KickoffDeps, item: BuildItem, input: StartBuildInput): Promise<StartedBuild> {
  if (item.status === 'pending') {
    await putSpec(deps, item.buildId, input, item.createdAt);
    await startPipeline(deps, item);
  }
  return { buildId: item.buildId, status: item.status };
}

async function putSpec(deps: KickoffDeps, buildId: string, input: StartBuildInput, createdAt: string): Promise<void> {
  const spec = {
    buildId,
    request: input.request,
    userId: input.userId,
    orgId: input.orgId,
    ...definedOnly({ conversationId: input.conversationId, connectionId: input.connectionId }),
    createdAt,
  };
  try {
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.artifactsBucket,
        Key: artifactKeys.buildSpec(buildId),
        Body: JSON.stringify(spec),
        ContentType: 'application/json',
        // Write-once: a concurrent duplicate kickoff never replaces the spec a container may be reading.
        IfNoneMatch: '*',
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'PreconditionFailed') throw error;
  }
}

function pendingItem(buildId: string, input: StartBuildInput, createdAt: string): BuildItem {
  return {
    ...buildKey(buildId),
    GSI1PK: keys.user(input.userId),
    GSI1SK: keys.build(createdAt),
    buildId,
    status: 'pending',
    userId: input.userId,
    orgId: input.orgId,
    request: input.request.slice(0, REQUEST_PREVIEW_CHARS),
    requestTruncated: input.request.length > REQUEST_PREVIEW_CHARS,
    ...definedOnly({ conversationId: input.conversationId, connectionId: input.connectionId }),
    createdAt,
    updatedAt: createdAt,
  };
}

/** Who a build's events are about, and where they are kept. */
const buildSubject = (item: BuildItem) => ({ orgId: item.orgId, userId: item.userId, target: auditRef('build', item.buildId) });

/** Attempts at the claiming transaction when racing kickoffs of the same org or user conflict. */
const CLAIM_ATTEMPTS = 4;

/**
 * Create the item unless it exists, with its `build_started` event and the two quota claims in the
 * same transaction (a build is never started unrecorded or unclaimed); false when another kickoff
 * created it first. Over a quota, the refusal is recorded and QUOTA_EXCEEDED thrown.
 */
async function putPendingItem(deps: KickoffDeps, item: BuildItem, now: Date): Promise<boolean> {
  const { quotas } = deps;
  const limits = await limitsOf(quotas, item, now);
  await prepareBuildSlots(quotas.table, item.orgId, now);
  const items: TransactItem[] = [
    { Put: { TableName: deps.builds.tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' } },
    auditPut(deps.audit, { type: 'build_started', ...buildSubject(item), actor: auditRef('user', item.userId), outcome: 'success' }, { at: item.createdAt }),
    ...buildClaims(quotas.table, item, limits, deps.buildSlotSeconds, now),
  ];
  let refusal: Refusal;
  try {
    await withRetry(() => deps.builds.dynamo.send(new TransactWriteCommand({ TransactItems: items })), {
      attempts: CLAIM_ATTEMPTS,
      baseDelayMs: 25,
      isRetryable: isTransactionConflict,
    });
    return true;
  } catch (error) {
    // Reasons come in the order of the items: the build, its event, the user's day, the org's slots.
    if (conditionFailedAt(error, 0)) return false;
    if (conditionFailedAt(error, 2)) refusal = userBuildsRefusal(limits.buildsPerUserPerDay, nextUtcMidnight(now).toISOString());
    else if (conditionFailedAt(error, 3)) refusal = orgBuildsRefusal(limits.concurrentBuildsPerOrg);
    else throw error;
  }
  await recordRefusal(quotas, item, 'build.start', refusal);
  throw refusalError(refusal);
}

function pipelineInput(item: BuildItem): PipelineInput {
  return {
    buildId: item.buildId,
    userId: item.userId,
    orgId: item.orgId,
    ...definedOnly({ connectionId: item.connectionId }),
  };
}

/**
 * Start the execution named after the build. The name makes a repeated start harmless:
 * `ExecutionAlreadyExists` means it already runs (or ran). If it cannot be started, the build
 * is marked failed so no `pending` item is left behind, and the caller gets an error.
 */
async function startPipeline(deps: KickoffDeps, item: BuildItem): Promise<void> {
  const command = new StartExecutionCommand({
    stateMachineArn: deps.stateMachineArn,
    name: item.buildId,
    input: JSON.stringify(pipelineInput(item)),
  });
  try {
    await deps.sfn.send(command);
  } catch (error) {
    if (errorName(error) === 'ExecutionAlreadyExists') return;
    log.error('StartExecution failed', { error: describeError(error) });
    if (await markStartFailed(deps, item)) {
      throw new HandlerError('INTERNAL', 'The build pipeline could not be started; the build is marked failed.');
    }
  }
}

/**
 * Mark a build that never started as failed, with its `build_failed` event; false if the
 * pipeline already moved it (so it did start).
 */
async function markStartFailed(deps: KickoffDeps, item: BuildItem): Promise<boolean> {
  const now = nowIso(deps);
  const update = {
    TableName: deps.builds.tableName,
    Key: buildKey(item.buildId),
    UpdateExpression: 'SET #status = :failed, #error = :error, failedAt = :now, updatedAt = :now',
    ConditionExpression: '#status = :pending',
    ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
    ExpressionAttributeValues: {
      ':failed': 'failed',
      ':pending': 'pending',
      ':error': 'The build pipeline could not be started.',
      ':now': now,
    },
  };
  const event = auditPut(
    deps.audit,
    {
      type: 'build_failed',
      ...buildSubject(item),
      actor: auditRef('service', 'build-kickoff'),
      outcome: 'failure',
      detail: { reason: 'pipeline_not_started' },
    },
    { at: now },
  );
  // The build never ran: its org's slot is given back with the status.
  const release = await buildSlotRelease(deps.quotas.table, item.orgId, item.buildId);
  try {
    await deps.builds.dynamo.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, event, ...release] }));
    return true;
  } catch (error) {
    if (!conditionFailedAt(error, 0)) throw error;
    return false;
  }
}

function nowOf(deps: KickoffDeps): Date {
  return deps.now?.() ?? new Date();
}

function nowIso(deps: KickoffDeps): string {
  return nowOf(deps).toISOString();
}

/** Optional fields present only when set (the document client rejects undefined values). */
function definedOnly<T extends Record<string, string | undefined>>(fields: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}
