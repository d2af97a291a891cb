import type { BuildItem, CallerIdentity } from '../shared/contract';
import type { AuditTrail } from '../shared/audit';
import { refuse } from '../shared/audit-writer';
import { notFound } from '../shared/responses';
import { getBuildItem, type BuildsTable } from './build-items';

/**
 * The build `caller` may act on: its own, or any of its org's when it is that org's admin. A build
 * of another org is NOT_FOUND (its existence is not the caller's business); another member's build
 * of the same org is FORBIDDEN, recorded as a `forbidden` event with `action`.
 */
export async function accessibleBuild(builds: BuildsTable, audit: AuditTrail, caller: CallerIdentity, buildId: string, action: string): Promise<BuildItem> {
  const item = await getBuildItem(builds, buildId);
  if (!item || item.orgId !== caller.orgId) throw notFound(`Build ${buildId} not found`);
  if (item.userId !== caller.userId && caller.orgRole !== 'admin') {
    await refuse(
      audit,
      { orgId: caller.orgId, userId: caller.userId, actor: ['user', caller.userId], target: ['build', buildId], action },
      'only the build\'s owner or an admin of its org may do this',
    );
  }
  return item;
}
