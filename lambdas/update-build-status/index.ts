import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { websocketClient } from '../shared/clients/websocket-management';
import { lambdaConfig } from '../shared/config';
import { respond } from '../shared/responses';
import { parseStatusUpdate } from './parse-event';
import { updateBuildStatus } from './update-status';

const config = lambdaConfig('update-build-status');

/** update-build-status: called by the pipeline to move a build forward (DESIGN.md section 4). */
export const handler = (event: unknown) =>
  respond(async () => {
    const update = parseStatusUpdate(event);
    const dynamo = dynamoDocumentClient();
    return updateBuildStatus(
      {
        builds: { dynamo, tableName: config.BUILDS_TABLE },
        sender: { dynamo, websocket: websocketClient(config.WEBSOCKET_ENDPOINT), connectionsTable: config.CONNECTIONS_TABLE },
      },
      update,
    );
  });
