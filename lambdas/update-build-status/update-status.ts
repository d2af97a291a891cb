import type { BuildPhase, BuildStatus } from '../shared/contract';
import type { AuditTrail } from '../shared/audit';
import type { ConnectionSender } from '../shared/websocket';
import type { QuotaTable } from '../shared/quotas/table';
import { applyStatusUpdate, type BuildsTable } from './apply-update';
import { notifyBuildStatus, type Notified } from './notify';
import type { StatusUpdate } from './status-update';

export interface UpdateStatusDeps {
  readonly builds: BuildsTable;
  readonly sender: ConnectionSender;
  readonly audit: AuditTrail;
  /** Where the org's build slots are (a final status gives one back). */
  readonly quotas: QuotaTable;
  readonly now?: () => Date;
}

export interface UpdatedBuild {
  readonly build: { readonly buildId: string; readonly status: BuildStatus; readonly phase?: BuildPhase };
  readonly notified: Notified;
}

/** Move the build forward, then tell the user's open connections. */
export async function updateBuildStatus(deps: UpdateStatusDeps, update: StatusUpdate): Promise<UpdatedBuild> {
  const now = (deps.now?.() ?? new Date()).toISOString();
  const item = await applyStatusUpdate(deps.builds, deps.audit, deps.quotas, update, now);
  const notified = await notifyBuildStatus(deps.sender, item);
  return {
    build: { buildId: item.buildId, status: item.status, ...(item.phase !== undefined ? { phase: item.phase } : {}) },
    notified,
  };
}
