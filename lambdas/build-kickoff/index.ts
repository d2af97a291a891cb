import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { s3Client } from '../shared/clients/s3';
import { sfnClient } from '../shared/clients/sfn';
import { buildKickoffEvent } from '../shared/contract';
import { intSetting } from '../shared/config';
import { directInvoke, lambdaHandler } from '../shared/handler';
import { containerQuotas } from '../shared/quotas/quotas';
import { buildStatus } from './build-status';
import { startBuild, type KickoffDeps } from './start-build';
import { correlate } from '../shared/telemetry';

/** build-kickoff: `start` a build or read its `status`, for its owner or an admin of its org (DESIGN.md sections 4 and 9). */
export const handler = lambdaHandler(
  'build-kickoff',
  (env): KickoffDeps => ({
    builds: { dynamo: dynamoDocumentClient(), tableName: env.BUILDS_TABLE },
    s3: s3Client(),
    sfn: sfnClient(),
    artifactsBucket: env.ARTIFACTS_BUCKET,
    stateMachineArn: env.STATE_MACHINE_ARN,
    audit: { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE },
    quotas: containerQuotas(dynamoDocumentClient(), env, { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE }),
    buildSlotSeconds: intSetting(env.BUILD_SLOT_SECONDS, 'BUILD_SLOT_SECONDS'),
  }),
  directInvoke(buildKickoffEvent, async (request, deps: KickoffDeps) => {
    if (request.action === 'start') return startBuild(deps, request.payload);
    correlate({ buildId: request.payload.buildId });
    return buildStatus(deps.builds, deps.audit, request.payload, request.payload.buildId);
  }),
);
