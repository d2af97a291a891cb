import type { AuditTrail } from '../shared/audit';
import type { BuildView, CallerIdentity } from '../shared/contract';
import { accessibleBuild } from './build-access';
import { toBuildView, type BuildsTable } from './build-items';

export async function buildStatus(builds: BuildsTable, audit: AuditTrail, caller: CallerIdentity, buildId: string): Promise<{ build: BuildView }> {
  return { build: toBuildView(await accessibleBuild(builds, audit, caller, buildId, 'build.status')) };
}
