/**
 * The AWS operations a Lambda's code can call, read from its code: every AWS SDK command (and SDK
 * waiter) its tree-shaken bundle still imports. A role-vs-code test that did not see one of them
 * called is missing a scenario, and says so.
 */
import { build } from 'esbuild';
import { lambdaEntry, PROJECT_ROOT } from '../../src/bundling/lambda-bundle';
import type { LambdaName } from '../../lambdas/shared/contract';

/** SDK package -> the service name AwsCall uses. */
const SERVICES: Record<string, string> = {
  'client-dynamodb': 'DynamoDB',
  'lib-dynamodb': 'DynamoDB',
  'client-lambda': 'Lambda',
  'client-s3': 'S3',
  'client-sfn': 'SFN',
  'client-apigatewaymanagementapi': 'ApiGatewayManagementApi',
  'client-bedrock-runtime': 'BedrockRuntime',
  'client-secrets-manager': 'SecretsManager',
  'client-cloudwatch-logs': 'CloudWatchLogs',
};

/** The document client's commands send these operations. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
};

/** SDK waiters poll with these operations. */
const WAITERS: Record<string, string> = {
  waitUntilFunctionActiveV2: 'GetFunction',
  waitUntilFunctionUpdatedV2: 'GetFunction',
  waitUntilFunctionActive: 'GetFunctionConfiguration',
  waitUntilFunctionUpdated: 'GetFunctionConfiguration',
};

const IMPORT = /import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/([\w-]+)"/g;

/** `Service:Operation` for every SDK command or waiter the Lambda's bundle uses (imports nothing uses are shaken out). */
export async function handlerOperations(name: LambdaName): Promise<Set<string>> {
  const result = await build({
    entryPoints: [lambdaEntry(name)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    treeShaking: true,
    write: false,
    logLevel: 'silent',
  });
  const operations = new Set<string>();
  for (const [, names, pkg] of result.outputFiles[0].text.matchAll(IMPORT)) {
    const service = SERVICES[pkg];
    if (!service) continue;
    for (const raw of names.split(',')) {
      const imported = raw.trim();
      if (imported === '') continue;
      {
        const symbol = imported.split(/\s+as\s+/)[0];
        const command = /^(\w+)Command$/.exec(symbol)?.[1];
        if (command) operations.add(`${service}:${pkg === 'lib-dynamodb' ? DOCUMENT_COMMANDS[command] : command}`);
        else if (WAITERS[symbol]) operations.add(`${service}:${WAITERS[symbol]}`);
      }
    }
  }
  return operations;
}
