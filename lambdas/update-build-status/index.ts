import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { s3Client } from '../shared/clients/s3';
import { websocketClient } from '../shared/clients/websocket-management';
import { recordArtifactsEvent } from '../shared/contract';
import { directInvoke, lambdaHandler } from '../shared/handler';
import { statusUpdate } from './status-update';
import { recordBuildArtifacts, updateBuildStatus, type UpdateStatusDeps } from './update-status';

const recordArtifacts = directInvoke(recordArtifactsEvent, (request, deps: UpdateStatusDeps) => recordBuildArtifacts(deps, request));
const moveBuild = directInvoke(statusUpdate, (update, deps: UpdateStatusDeps) => updateBuildStatus(deps, update));

/** The event that names `artifacts` records them (after the OI phase); every other one is a status change. */
const recordsArtifacts = (event: unknown) => typeof event === 'object' && event !== null && 'artifacts' in event;

/** update-build-status: called by the pipeline to move a build forward (DESIGN.md section 4). */
export const handler = lambdaHandler(
  'update-build-status',
  (env): UpdateStatusDeps => {
    const dynamo = dynamoDocumentClient();
    return {
      builds: { dynamo, tableName: env.BUILDS_TABLE },
      sender: { dynamo, websocket: websocketClient(env.WEBSOCKET_ENDPOINT), connectionsTable: env.CONNECTIONS_TABLE },
      audit: { dynamo, tableName: env.AUDIT_TABLE },
      quotas: { dynamo, tableName: env.QUOTAS_TABLE },
      artifacts: { s3: s3Client(), bucket: env.ARTIFACTS_BUCKET },
    };
  },
  (event: unknown, deps: UpdateStatusDeps): Promise<object> => (recordsArtifacts(event) ? recordArtifacts(event, deps) : moveBuild(event, deps)),
);
