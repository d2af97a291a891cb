import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { lambdaClient } from '../shared/clients/lambda';
import { s3Client } from '../shared/clients/s3';
import { userDataEvent } from '../shared/contract';
import { directInvoke, lambdaHandler } from '../shared/handler';
import type { UserDataDeps } from './deps';
import { answerDataRequest } from './request';

/**
 * user-data: `{"action":"export"|"erase","payload":{"userId","orgId","requestId"}}` ->
 * `{"success":true,"url"?,"counts":{...}}` (DESIGN.md section 9). The router calls it for a
 * connection's own user; operators call it with `aws lambda invoke`.
 */
export const handler = lambdaHandler(
  'user-data',
  (env): UserDataDeps => ({
    dynamo: dynamoDocumentClient(),
    s3: s3Client(),
    lambda: lambdaClient(),
    audit: { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE },
    settings: {
      connectionsTable: env.CONNECTIONS_TABLE,
      conversationsTable: env.CONVERSATIONS_TABLE,
      buildsTable: env.BUILDS_TABLE,
      toolsTable: env.TOOLS_TABLE,
      artifactsBucket: env.ARTIFACTS_BUCKET,
      memoryFunctionName: env.MEMORY_FUNCTION_NAME,
    },
    now: () => new Date(),
  }),
  directInvoke(userDataEvent, answerDataRequest),
);
