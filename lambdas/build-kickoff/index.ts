import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { s3Client } from '../shared/clients/s3';
import { sfnClient } from '../shared/clients/sfn';
import { lambdaConfig } from '../shared/config';
import { respond } from '../shared/responses';
import { buildStatus } from './build-status';
import { parseKickoffEvent } from './parse-event';
import { startBuild, type KickoffDeps } from './start-build';

const config = lambdaConfig('build-kickoff');

function deps(): KickoffDeps {
  return {
    builds: { dynamo: dynamoDocumentClient(), tableName: config.BUILDS_TABLE },
    s3: s3Client(),
    sfn: sfnClient(),
    artifactsBucket: config.ARTIFACTS_BUCKET,
    stateMachineArn: config.STATE_MACHINE_ARN,
  };
}

/** build-kickoff: `start` a build or read its `status` (DESIGN.md section 4). */
export const handler = (event: unknown) =>
  respond(async () => {
    const command = parseKickoffEvent(event);
    if (command.action === 'status') return buildStatus(deps().builds, command.buildId);
    return startBuild(deps(), command.input);
  });
