import { CloudWatchLogsClient, CreateLogGroupCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { TooManyRequestsException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { handler } from '../../../lambdas/tool-deployer/index';
import { FakeLambda } from '../../helpers/fake-lambda';
import { deployPayload, ROLE_ARN, BUCKET, serveBundles } from '../../helpers/tool-deployer-harness';
import { S3Client } from '@aws-sdk/client-s3';
import { TELEMETRY_ENV } from '../../helpers/telemetry';

const ENV = {
  ...TELEMETRY_ENV,
  TOOLS_TABLE: 'fable-test-tools',
  ARTIFACTS_BUCKET: BUCKET,
  TOOL_ROLE_ARN: ROLE_ARN,
  TOOL_FUNCTION_PREFIX: 'fable-test-tool-',
  TOOL_RUNTIME: 'nodejs24.x',
  TOOL_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/fable-test-tool-boundary',
  TOOL_LOG_RETENTION_DAYS: '14',
  TOOL_RESERVED_CONCURRENCY: '5',
  AUDIT_TABLE: 'fable-test-audit',
};

let dynamo: LocalDynamo;
let lambda: FakeLambda;
/** The handler's own CloudWatch Logs client. */
const logs = mockClient(CloudWatchLogsClient);
logs.on(CreateLogGroupCommand).resolves({}).on(PutRetentionPolicyCommand).resolves({});
/** The handler's own S3 client, reading the bundles it hashes. */
const s3 = serveBundles(mockClient(S3Client), BUCKET, new Map());
beforeAll(async () => {
  dynamo = await startDynamoLocal();
  lambda = new FakeLambda(true);
  // The handler uses production waiter timings: functions here are ready on the first poll.
  lambda.pollsUntilActive = 0;
  lambda.pollsUntilUpdated = 0;
});
afterAll(async () => {
  lambda.mock.restore();
  logs.restore();
  s3.restore();
  for (const key of Object.keys(ENV)) delete process.env[key];
  await dynamo.stop();
});

describe('tool-deployer handler', () => {
  it('fails the invocation loudly when its environment is incomplete', async () => {
    await expect(handler({ action: 'list', payload: { orgId: 'org-a' } })).rejects.toThrow('missing environment variables');
  });

  it('answers deploy, list and undeploy in the direct-invoke response shape', async () => {
    Object.assign(process.env, ENV);

    const deployed = await handler({ action: 'deploy', payload: deployPayload() });
    expect(deployed).toEqual({
      success: true,
      tool: {
        toolName: 'weather',
        functionName: 'fable-test-tool-weather',
        functionArn: lambda.arnOf('fable-test-tool-weather'),
        functionUrl: lambda.urlOf('fable-test-tool-weather', 'live'),
        version: 1,
      },
    });

    const listed = await handler({ action: 'list', payload: { orgId: 'org-a' } });
    expect(listed).toMatchObject({ success: true, tools: [{ toolName: 'weather', version: 1 }] });

    const undeployed = await handler({ action: 'undeploy', payload: { toolName: 'weather', orgId: 'org-a' } });
    expect(undeployed).toEqual({ success: true, toolName: 'weather', functionName: 'fable-test-tool-weather' });
  });

  it('answers bad input with BAD_REQUEST and contract codes for refusals', async () => {
    await expect(handler({ action: 'deploy', payload: deployPayload({ toolName: 'Bad!' }) })).resolves.toEqual({
      success: false,
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('toolName') },
    });
    await expect(handler({ action: 'undeploy', payload: { toolName: 'missing' } })).resolves.toEqual({
      success: false,
      error: { code: 'NOT_FOUND', message: 'Tool missing is not deployed' },
    });
  });

  it('rethrows throttling so the caller (Step Functions, Lambda async) retries', async () => {
    lambda.failNext('GetFunction', new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));
    await expect(handler({ action: 'deploy', payload: deployPayload({ toolName: 'clock', s3Key: 'tools/clock/1.zip' }) })).rejects.toMatchObject({
      name: 'TooManyRequestsException',
    });
  });
});
