import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { s3Client } from '../shared/clients/s3';
import { sfnClient } from '../shared/clients/sfn';
import { boolSetting } from '../shared/config';
import { buildKickoffEvent } from '../shared/contract';
import { directInvoke, lambdaHandler } from '../shared/handler';
import { buildStatus } from './build-status';
import { cancelBuild } from './cancel';
import { reviewBuild } from './review';
import { startBuild, type KickoffDeps } from './start-build';

/** build-kickoff: `start` a build, read its `status`, `review` its artifacts or `cancel` it (DESIGN.md section 4). */
export const handler = lambdaHandler(
  'build-kickoff',
  (env): KickoffDeps => ({
    builds: { dynamo: dynamoDocumentClient(), tableName: env.BUILDS_TABLE },
    s3: s3Client(),
    sfn: sfnClient(),
    artifactsBucket: env.ARTIFACTS_BUCKET,
    stateMachineArn: env.STATE_MACHINE_ARN,
    pausedByDefault: boolSetting(env.BUILDS_PAUSED, 'BUILDS_PAUSED'),
    audit: { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE },
  }),
  directInvoke(buildKickoffEvent, async (request, deps: KickoffDeps): Promise<object> => {
    switch (request.action) {
      case 'status':
        return buildStatus(deps.builds, request.payload.buildId);
      case 'review':
        return reviewBuild(deps, request.payload);
      case 'cancel':
        return cancelBuild(deps, request.payload);
      case 'start':
        return startBuild(deps, request.payload);
    }
  }),
);
