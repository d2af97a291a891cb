import { StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { auditRef, isFinalBuildStatus, UNFINISHED_BUILD_STATUSES, type BuildItem, type BuildStatus, type CancelBuildInput } from '../shared/contract';
import { auditPut, type AuditTrail } from '../shared/audit';
import { errorName } from '../shared/aws-errors';
import { conditionFailedAt } from '../shared/transactions';
import { buildSlotRelease } from '../shared/quotas/build-slots';
import { recordBuildFinish } from '../shared/metrics';
import type { QuotaTable } from '../shared/quotas/table';
import { accessibleBuild, actorOf } from './build-access';
import { buildKey, getBuildItem, type BuildsTable } from './build-items';

export interface CancelDeps {
  readonly builds: BuildsTable;
  /** A cancelled build gives back its org's build slot in the same transaction. */
  readonly quotas: { readonly table: QuotaTable };
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  readonly audit: AuditTrail;
  readonly now?: () => Date;
}

export const BUILD_CANCELLED_ERROR = 'FABLE.BuildCancelled';

/** The execution build-kickoff started for a build: it is named after the build. */
export function executionArnOf(stateMachineArn: string, buildId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${buildId}`;
}

/**
 * Stop a build: mark it `cancelled` (with its `build_cancelled` event, in one transaction, and only
 * while it is unfinished: from then on every guarded status update of the pipeline is refused and
 * a waiting review token is gone), then stop its execution. Step Functions stops the ECS task of a
 * running `.sync` state itself when its execution stops. Idempotent: cancelling a cancelled build
 * stops its execution again (in case that failed before), and a finished build stays as it is.
 */
export async function cancelBuild(deps: CancelDeps, input: CancelBuildInput): Promise<{ buildId: string; status: BuildStatus }> {
  const build = await accessibleBuild(deps.builds, deps.audit, input.caller, input.buildId, 'build.cancel');
  if (build.status !== 'cancelled') {
    // A finished build stays as it is: nothing to stop.
    if (isFinalBuildStatus(build.status)) return { buildId: build.buildId, status: build.status };
    if (!(await markCancelled(deps, build, input))) {
      // It moved on concurrently: finished (then it stays so), or cancelled by another call.
      const current = (await getBuildItem(deps.builds, build.buildId)) ?? build;
      if (current.status !== 'cancelled') return { buildId: build.buildId, status: current.status };
    }
  }
  await stopExecution(deps, build.buildId);
  return { buildId: build.buildId, status: 'cancelled' };
}

/** False when the build finished before the write (it moved on concurrently). */
async function markCancelled(deps: CancelDeps, build: BuildItem, input: CancelBuildInput): Promise<boolean> {
  const now = (deps.now?.() ?? new Date()).toISOString();
  const unfinished = UNFINISHED_BUILD_STATUSES;
  const update = {
    TableName: deps.builds.tableName,
    Key: buildKey(build.buildId),
    UpdateExpression: 'SET #status = :cancelled, #error = :error, cancelledAt = :now, updatedAt = :now REMOVE approvalToken',
    ConditionExpression: `#status IN (${unfinished.map((_, i) => `:u${i}`).join(', ')})`,
    ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
    ExpressionAttributeValues: {
      ':cancelled': 'cancelled',
      ':error': input.caller ? 'Cancelled by its owner' : 'Cancelled by an operator',
      ':now': now,
      ...Object.fromEntries(unfinished.map((status, i) => [`:u${i}`, status])),
    },
  };
  const event = auditPut(
    deps.audit,
    {
      type: 'build_cancelled',
      orgId: build.orgId,
      userId: build.userId,
      actor: actorOf(input.caller),
      target: auditRef('build', build.buildId),
      outcome: 'success',
      detail: { status: build.status, ...(build.phase !== undefined ? { phase: build.phase } : {}) },
    },
    { at: now },
  );
  try {
    const release = await buildSlotRelease(deps.quotas.table, build.orgId, build.buildId);
    await deps.builds.dynamo.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, event, ...release] }));
    recordBuildFinish({ status: 'cancelled', createdAt: build.createdAt }, new Date(now));
    return true;
  } catch (error) {
    if (conditionFailedAt(error, 0)) return false;
    throw error;
  }
}

/** Stop the build's execution; one that never started (or is gone) needs nothing. */
async function stopExecution(deps: CancelDeps, buildId: string): Promise<void> {
  try {
    await deps.sfn.send(
      new StopExecutionCommand({ executionArn: executionArnOf(deps.stateMachineArn, buildId), error: BUILD_CANCELLED_ERROR, cause: 'The build was cancelled.' }),
    );
  } catch (error) {
    if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
  }
}
