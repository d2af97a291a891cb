import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { s3Client } from '../shared/clients/s3';
import { sfnClient } from '../shared/clients/sfn';
import { boolSetting, intSetting } from '../shared/config';
import { buildKickoffEvent } from '../shared/contract';
import { directInvoke, lambdaHandler } from '../shared/handler';
import { containerQuotas } from '../shared/quotas/quotas';
import { buildStatus } from './build-status';
import { cancelBuild } from './cancel';
import { reviewBuild } from './review';
import { startBuild, type KickoffDeps } from './start-build';
import { correlate } from '../shared/telemetry';

/** build-kickoff: `start` a build, read its `status`, `review` its artifacts or `cancel` it, for its owner or an admin of its org (DESIGN.md sections 4 and 9). */
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
    quotas: containerQuotas(dynamoDocumentClient(), env, { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE }),
    buildSlotSeconds: intSetting(env.BUILD_SLOT_SECONDS, 'BUILD_SLOT_SECONDS'),
  }),
  directInvoke(buildKickoffEvent, async (request, deps: KickoffDeps): Promise<object> => {
    if (request.action === 'start') return startBuild(deps, request.payload);
    correlate({ buildId: request.payload.buildId });
    switch (request.action) {
      case 'status':
        return buildStatus(deps.builds, deps.audit, request.payload, request.payload.buildId);
      case 'review':
        return reviewBuild(deps, request.payload);
      case 'cancel':
        return cancelBuild(deps, request.payload);
    }
  }),
);
