import { auditRef, type BuildItem, type CallerIdentity } from '../shared/contract';
import type { AuditTrail } from '../shared/audit';
import { refuse } from '../shared/audit-writer';
import { notFound } from '../shared/responses';
import { getBuildItem, type BuildsTable } from './build-items';

/** Who acted, as the audit trail names them: the caller, or an operator who invoked build-kickoff directly. */
export const actorOf = (caller: CallerIdentity | undefined) => (caller ? auditRef('user', caller.userId) : auditRef('service', 'operator'));

/**
 * The build `caller` may act on: its own, or any of its org's when it is that org's admin. A build
 * of another org is NOT_FOUND (its existence is not the caller's business); another member's build
 * of the same org is FORBIDDEN, recorded as a `forbidden` event with `action`. Without a caller the
 * request is an operator's direct invoke (IAM let them invoke build-kickoff), which may act on any build.
 */
export async function accessibleBuild(
  builds: BuildsTable,
  audit: AuditTrail,
  caller: CallerIdentity | undefined,
  buildId: string,
  action: string,
): Promise<BuildItem> {
  const item = await getBuildItem(builds, buildId);
  if (!item || (caller && item.orgId !== caller.orgId)) throw notFound(`Build ${buildId} not found`);
  if (caller && item.userId !== caller.userId && caller.orgRole !== 'admin') {
    await refuse(
      audit,
      { orgId: caller.orgId, userId: caller.userId, actor: ['user', caller.userId], target: ['build', buildId], action },
      'only the build\'s owner or an admin of its org may do this',
    );
  }
  return item;
}
