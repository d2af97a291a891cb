import type { BuildPhase, BuildStatus } from '../shared/contract';
import type { AuditTrail } from '../shared/audit';
import type { ConnectionSender } from '../shared/websocket';
import type { QuotaTable } from '../shared/quotas/table';
import { applyStatusUpdate, type BuildsTable } from './apply-update';
import { notifyBuildReview, notifyBuildStatus, type Notified } from './notify';
import { recordArtifacts, type ArtifactStore, type RecordArtifactsRequest } from './record-artifacts';
import type { StatusUpdate } from './status-update';
import { recordBuildFinish } from '../shared/metrics';
import { correlate } from '../shared/telemetry';

export interface UpdateStatusDeps {
  readonly builds: BuildsTable;
  readonly sender: ConnectionSender;
  readonly audit: AuditTrail;
  /** Where the org's build slots are (a final status gives one back). */
  readonly quotas: QuotaTable;
  /** Where the tool bundles are, to hash them. */
  readonly artifacts: ArtifactStore;
  readonly now?: () => Date;
}

export interface UpdatedBuild {
  readonly build: { readonly buildId: string; readonly status: BuildStatus; readonly phase?: BuildPhase };
  readonly notified: Notified;
}

const nowIso = (deps: UpdateStatusDeps) => (deps.now?.() ?? new Date()).toISOString();

/**
 * Move the build forward, then tell the user's open connections. Entering `awaiting_approval`
 * also sends `build_review`, which asks for the decision.
 */
export async function updateBuildStatus(deps: UpdateStatusDeps, update: StatusUpdate): Promise<UpdatedBuild> {
  correlate({ buildId: update.buildId });
  const at = deps.now?.() ?? new Date();
  const item = await applyStatusUpdate(deps.builds, deps.audit, deps.quotas, update, at.toISOString());
  // A repeated update is a CONFLICT and never gets this far: each build is counted once.
  recordBuildFinish(item, at);
  const notified = await notifyBuildStatus(deps.sender, item);
  if (item.status === 'awaiting_approval') await notifyBuildReview(deps.sender, item);
  return {
    build: { buildId: item.buildId, status: item.status, ...(item.phase !== undefined ? { phase: item.phase } : {}) },
    notified,
  };
}

/** Hash and record the OI phase's bundles (see record-artifacts.ts). */
export function recordBuildArtifacts(deps: UpdateStatusDeps, request: RecordArtifactsRequest) {
  correlate({ buildId: request.buildId });
  return recordArtifacts(deps.builds, deps.artifacts, request, nowIso(deps));
}
