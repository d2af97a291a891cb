import { z } from 'zod';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { s3Client } from '../shared/clients/s3';
import { websocketClient } from '../shared/clients/websocket-management';
import { recordArtifactsEvent } from '../shared/contract';
import { directInvoke, lambdaHandler } from '../shared/handler';
import { statusUpdate } from './status-update';
import { recordBuildArtifacts, updateBuildStatus, type UpdateStatusDeps } from './update-status';

/** A status change, or (after the OI phase) the artifacts to hash and record. */
const pipelineEvent = z.union([recordArtifactsEvent, statusUpdate]);

/** update-build-status: called by the pipeline to move a build forward (DESIGN.md section 4). */
export const handler = lambdaHandler(
  'update-build-status',
  (env): UpdateStatusDeps => {
    const dynamo = dynamoDocumentClient();
    return {
      builds: { dynamo, tableName: env.BUILDS_TABLE },
      sender: { dynamo, websocket: websocketClient(env.WEBSOCKET_ENDPOINT), connectionsTable: env.CONNECTIONS_TABLE },
      audit: { dynamo, tableName: env.AUDIT_TABLE },
      artifacts: { s3: s3Client(), bucket: env.ARTIFACTS_BUCKET },
    };
  },
  directInvoke(pipelineEvent, (event, deps: UpdateStatusDeps): Promise<object> =>
    'artifacts' in event ? recordBuildArtifacts(deps, event) : updateBuildStatus(deps, event),
  ),
);
