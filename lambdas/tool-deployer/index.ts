import { cloudWatchLogsClient } from '../shared/clients/cloudwatch-logs';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { lambdaClient } from '../shared/clients/lambda';
import { s3Client } from '../shared/clients/s3';
import { lambdaHandler } from '../shared/handler';
import { invokeToolDeployer } from './dispatch';
import { deployerSettings, type DeployerDeps } from './settings';

/** tool-deployer: `{"action":"deploy"|"undeploy"|"list","payload":{...}}` -> `{"success":...}`. */
export const handler = lambdaHandler(
  'tool-deployer',
  (env): DeployerDeps => ({
    lambda: lambdaClient(),
    dynamo: dynamoDocumentClient(),
    logs: cloudWatchLogsClient(),
    s3: s3Client(),
    audit: { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE },
    settings: deployerSettings(env),
  }),
  invokeToolDeployer,
);
