import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { auditRef, type BuildDecision, type BuildItem, type BuildStatus, type ReviewBuildInput } from '../shared/contract';
import { auditPut, type AuditTrail } from '../shared/audit';
import { errorName } from '../shared/aws-errors';
import { conflict } from '../shared/responses';
import { conditionFailedAt } from '../shared/transactions';
import { buildSlotRelease } from '../shared/quotas/build-slots';
import { recordBuildFinish } from '../shared/metrics';
import type { QuotaTable } from '../shared/quotas/table';
import { accessibleBuild, actorOf } from './build-access';
import { buildKey, type BuildsTable } from './build-items';

/** The error a rejection fails the waiting AwaitApproval task with (the pipeline catches it by name). */
export const BUILD_REJECTED_ERROR = 'FABLE.BuildRejected';

/** Step Functions' answers for a token whose task no longer waits (timed out, or its execution stopped). */
const EXPIRED_TOKEN_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export interface ReviewDeps {
  readonly builds: BuildsTable;
  /** A rejected build gives back its org's build slot in the same transaction. */
  readonly quotas: { readonly table: QuotaTable };
  readonly sfn: SFNClient;
  readonly audit: AuditTrail;
  readonly now?: () => Date;
}

/**
 * A person's decision on a build's artifacts. The decision is recorded first (with its audit event,
 * in one transaction, and only while the build awaits exactly this task token), then sent to the
 * waiting task, then the token is removed. Approving sends the recorded tools, hashes included, and
 * the approver as the task's output: DeployTools deploys exactly those bundles. Rejecting ends the build
 * `rejected` and fails the task. Repeating the same decision (a retry) only finishes delivering it;
 * a different decision once one was made is a CONFLICT.
 */
export async function reviewBuild(deps: ReviewDeps, input: ReviewBuildInput): Promise<{ buildId: string; status: BuildStatus }> {
  const build = await accessibleBuild(deps.builds, deps.audit, input.caller, input.buildId, 'build.review');

  if (build.decision) {
    if (build.decision.decision !== input.decision) throw conflict(`Build ${build.buildId} was already ${pastTense(build.decision)}`);
    if (build.approvalToken) await deliver(deps, build, build.approvalToken, build.decision);
    return { buildId: build.buildId, status: build.status };
  }
  if (build.status !== 'awaiting_approval' || !build.approvalToken || !build.review) {
    throw conflict(`Build ${build.buildId} is ${build.status}; it is not waiting for a review`);
  }
  const now = (deps.now?.() ?? new Date()).toISOString();
  const decision: BuildDecision = {
    decision: input.decision,
    by: actorOf(input.caller),
    at: now,
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
  };
  const status = await recordDecision(deps, build, build.approvalToken, decision);
  await deliver(deps, build, build.approvalToken, decision);
  return { buildId: build.buildId, status };
}

/** What AwaitApproval hands DeployTools: the recorded tools (hashes included) and who approved them. */
export const approvalOutput = (build: BuildItem, decision: BuildDecision) => ({ tools: build.review?.tools ?? [], approvedBy: decision.by });

const pastTense = (decision: BuildDecision) => (decision.decision === 'approve' ? 'approved' : 'rejected');

/** The decision and its event, only while the build still waits for this token with no decision. */
async function recordDecision(deps: ReviewDeps, build: BuildItem, token: string, decision: BuildDecision): Promise<BuildStatus> {
  const approve = decision.decision === 'approve';
  const approvedTools = Object.fromEntries((build.review?.tools ?? []).map((tool) => [tool.toolName, tool.sha256]));
  const update = {
    TableName: deps.builds.tableName,
    Key: buildKey(build.buildId),
    UpdateExpression: approve
      ? 'SET #decision = :decision, approvedTools = :approved, updatedAt = :now'
      : 'SET #decision = :decision, #status = :rejected, #error = :error, rejectedAt = :now, updatedAt = :now',
    ConditionExpression: '#status = :awaiting AND approvalToken = :token AND attribute_not_exists(#decision)',
    ExpressionAttributeNames: { '#decision': 'decision', '#status': 'status', ...(approve ? {} : { '#error': 'error' }) },
    ExpressionAttributeValues: {
      ':decision': decision,
      ':now': decision.at,
      ':awaiting': 'awaiting_approval',
      ':token': token,
      ...(approve ? { ':approved': approvedTools } : { ':rejected': 'rejected', ':error': `Rejected by its reviewer${decision.reason ? `: ${decision.reason}` : ''}` }),
    },
  };
  const event = auditPut(
    deps.audit,
    {
      type: approve ? 'build_approved' : 'build_rejected',
      orgId: build.orgId,
      userId: build.userId,
      actor: decision.by,
      target: auditRef('build', build.buildId),
      outcome: 'success',
    },
    { at: decision.at },
  );
  try {
    const release = approve ? [] : await buildSlotRelease(deps.quotas.table, build.orgId, build.buildId);
    await deps.builds.dynamo.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, event, ...release] }));
    if (!approve) recordBuildFinish({ status: 'rejected', createdAt: build.createdAt }, new Date(decision.at));
  } catch (error) {
    if (conditionFailedAt(error, 0)) throw conflict(`Build ${build.buildId} changed while it was being reviewed; look at it again`);
    throw error;
  }
  return approve ? 'awaiting_approval' : 'rejected';
}

/**
 * Send the decision to the waiting task, then remove the token. A token whose task no longer
 * waits means the build ended meanwhile (its approval timed out, or it was cancelled).
 */
async function deliver(deps: ReviewDeps, build: BuildItem, token: string, decision: BuildDecision): Promise<void> {
  try {
    if (decision.decision === 'approve') {
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(approvalOutput(build, decision)) }));
    } else {
      await deps.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: BUILD_REJECTED_ERROR, cause: 'The build was rejected by its reviewer.' }));
    }
  } catch (error) {
    if (!EXPIRED_TOKEN_ERRORS.has(errorName(error) ?? '')) throw error;
    await forgetToken(deps, build.buildId, token);
    throw conflict(`Build ${build.buildId} no longer waits for a review`);
  }
  await forgetToken(deps, build.buildId, token);
}

/** Remove the used token (unless a newer one replaced it). */
async function forgetToken(deps: ReviewDeps, buildId: string, token: string): Promise<void> {
  try {
    await deps.builds.dynamo.send(
      new UpdateCommand({
        TableName: deps.builds.tableName,
        Key: buildKey(buildId),
        UpdateExpression: 'REMOVE approvalToken',
        ConditionExpression: 'approvalToken = :token',
        ExpressionAttributeValues: { ':token': token },
      }),
    );
  } catch (error) {
    if (!conditionFailedAt(error, 0)) throw error;
  }
}
