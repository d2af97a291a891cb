import { bedrockClient } from '../../../lambdas/shared/clients/bedrock';
import { cloudWatchLogsClient } from '../../../lambdas/shared/clients/cloudwatch-logs';
import { dynamoDocumentClient } from '../../../lambdas/shared/clients/dynamodb';
import { lambdaClient } from '../../../lambdas/shared/clients/lambda';
import { MODEL_RETRIES, SDK_RETRIES } from '../../../lambdas/shared/clients/retries';
import { s3Client } from '../../../lambdas/shared/clients/s3';
import { secretsManagerClient } from '../../../lambdas/shared/clients/secrets-manager';
import { sfnClient } from '../../../lambdas/shared/clients/sfn';
import { websocketClient } from '../../../lambdas/shared/clients/websocket-management';
import { titanEmbedder } from '../../../lambdas/memory/embeddings';
import { isTransientAwsError } from '../../../lambdas/shared/aws-errors';
import { awsJsonError, localEndpoint, type LocalEndpoint } from '../../helpers/local-endpoint';

const ENV = { AWS_REGION: 'us-west-2', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

const saved = { ...process.env };
beforeAll(() => Object.assign(process.env, ENV));
afterAll(() => {
  process.env = saved;
});

describe('every AWS client retries with the SDK’s own strategy, configured where it is created', () => {
  const clients: [string, () => { config: object }, typeof SDK_RETRIES | typeof MODEL_RETRIES][] = [
    ['DynamoDB', () => dynamoDocumentClient(), SDK_RETRIES],
    ['Lambda', lambdaClient, SDK_RETRIES],
    ['S3', s3Client, SDK_RETRIES],
    ['Secrets Manager', secretsManagerClient, SDK_RETRIES],
    ['Step Functions', sfnClient, SDK_RETRIES],
    ['CloudWatch Logs', cloudWatchLogsClient, SDK_RETRIES],
    ['API Gateway management', () => websocketClient('https://abc123.execute-api.us-west-2.amazonaws.com/test'), SDK_RETRIES],
    ['Bedrock runtime', bedrockClient, MODEL_RETRIES],
  ];

  it.each(clients)('%s', async (_service, client, expected) => {
    const config = client().config as { maxAttempts: () => Promise<number>; retryMode: string };
    expect(await config.maxAttempts()).toBe(expected.maxAttempts);
    expect(config.retryMode).toBe(expected.retryMode);
  });
});

describe('the Bedrock client against a real endpoint', () => {
  let endpoint: LocalEndpoint;
  afterEach(() => endpoint.close());

  const embed = (url: string) => {
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = url;
    // A fresh client per endpoint: the factory's own settings, this test's endpoint.
    jest.resetModules();
    const { bedrockClient: fresh } = jest.requireActual<typeof import('../../../lambdas/shared/clients/bedrock')>(
      '../../../lambdas/shared/clients/bedrock',
    );
    return titanEmbedder(fresh(), { modelId: 'amazon.titan-embed-text-v2:0', dimensions: 3 });
  };

  it('retries a throttled call itself: one call, a second attempt answers', async () => {
    endpoint = await localEndpoint((response, index) => {
      if (index === 0) return awsJsonError(response, 429, 'ThrottlingException', 'Too many requests');
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ embedding: [0.1, 0.2, 0.3], inputTextTokenCount: 2 }));
    }, 'http2');
    expect(await embed(endpoint.url)('hello')).toEqual([0.1, 0.2, 0.3]);
    expect(endpoint.requests()).toBe(2);
  });

  it('gives up after its configured attempts and throws the transient error for the caller’s retry', async () => {
    endpoint = await localEndpoint((response) => awsJsonError(response, 503, 'ServiceUnavailableException', 'busy'), 'http2');
    const failure = await embed(endpoint.url)('hello').catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503, attempts: MODEL_RETRIES.maxAttempts } });
    expect(isTransientAwsError(failure)).toBe(true);
    expect(endpoint.requests()).toBe(MODEL_RETRIES.maxAttempts);
  });
});
