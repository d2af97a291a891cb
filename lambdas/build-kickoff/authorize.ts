import { auditRef, type BuildCaller, type BuildItem } from '../shared/contract';
import type { AuditTrail } from '../shared/audit';
import { refuse } from '../shared/audit-writer';

/** Who acted, as the audit trail names them: the caller, or an operator who invoked build-kickoff directly. */
export const actorOf = (caller: BuildCaller | undefined) => (caller ? auditRef('user', caller.userId) : auditRef('service', 'operator'));

/**
 * A build may be reviewed or cancelled by its owner or an admin of its org; without a caller the
 * request is an operator's direct invoke (IAM let them invoke build-kickoff). Anyone else is
 * refused (FORBIDDEN, recorded as `forbidden`) and nothing changes.
 */
export async function authorizeBuildAction(audit: AuditTrail, caller: BuildCaller | undefined, build: BuildItem, action: 'build.review' | 'build.cancel'): Promise<void> {
  if (!caller) return;
  const owner = caller.userId === build.userId && caller.orgId === build.orgId;
  const orgAdmin = caller.orgRole === 'admin' && caller.orgId === build.orgId;
  if (owner || orgAdmin) return;
  await refuse(
    audit,
    { orgId: caller.orgId, userId: caller.userId, actor: ['user', caller.userId], target: ['build', build.buildId], action },
    `Only the owner of build ${build.buildId} or an admin of its organization may do this`,
  );
}
