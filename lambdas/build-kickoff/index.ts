import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { s3Client } from '../shared/clients/s3';
import { sfnClient } from '../shared/clients/sfn';
import { buildKickoffEvent } from '../shared/contract';
import { directInvoke, lambdaHandler } from '../shared/handler';
import { buildStatus } from './build-status';
import { startBuild, type KickoffDeps } from './start-build';
import { correlate } from '../shared/telemetry';

/** build-kickoff: `start` a build or read its `status` (DESIGN.md section 4). */
export const handler = lambdaHandler(
  'build-kickoff',
  (env): KickoffDeps => ({
    builds: { dynamo: dynamoDocumentClient(), tableName: env.BUILDS_TABLE },
    s3: s3Client(),
    sfn: sfnClient(),
    artifactsBucket: env.ARTIFACTS_BUCKET,
    stateMachineArn: env.STATE_MACHINE_ARN,
    audit: { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE },
  }),
  directInvoke(buildKickoffEvent, async (request, deps: KickoffDeps) => {
    if (request.action === 'start') return startBuild(deps, request.payload);
    correlate({ buildId: request.payload.buildId });
    return buildStatus(deps.builds, request.payload.buildId);
  }),
);
