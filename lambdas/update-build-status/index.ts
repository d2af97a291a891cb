import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { websocketClient } from '../shared/clients/websocket-management';
import { directInvoke, lambdaHandler } from '../shared/handler';
import { statusUpdate } from './status-update';
import { updateBuildStatus, type UpdateStatusDeps } from './update-status';

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
    };
  },
  directInvoke(statusUpdate, (update, deps: UpdateStatusDeps) => updateBuildStatus(deps, update)),
);
