import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { classifyIntent } from '../../../lambdas/router/intent';
import { MODEL_RETRIES } from '../../../lambdas/shared/clients/retries';
import { awsJsonError, localEndpoint, type LocalEndpoint } from '../../helpers/local-endpoint';
import { captureOutput, metricValues, type CapturedOutput } from '../../helpers/telemetry';

/** A real Bedrock client (the router's retry settings) talking to a local stand-in for Bedrock. */
const clientFor = (endpoint: LocalEndpoint) =>
  new BedrockRuntimeClient({
    endpoint: endpoint.url,
    region: 'us-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...MODEL_RETRIES,
  });

describe('the classifier’s time budget, on a real SDK request', () => {
  let endpoint: LocalEndpoint;
  let client: BedrockRuntimeClient;
  let output: CapturedOutput;
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(async () => {
    client.destroy();
    await endpoint.close();
    jest.restoreAllMocks();
  });

  it('aborts a model that never answers and lets the keywords decide', async () => {
    endpoint = await localEndpoint(() => undefined, 'http2');
    client = clientFor(endpoint);
    const started = Date.now();
    // A budget that leaves a loaded machine time to open the TLS connection, so the request does arrive.
    const classification = await classifyIntent(client, { modelId: 'router-model', timeoutMs: 1_000 }, 'Please remember my cat is called Miso');
    expect(classification).toEqual({ intent: 'MEMORY', source: 'keywords' });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(endpoint.requests()).toBe(1);
    expect(metricValues(output.metrics(), 'ClassifierFallbacks').map(({ record }) => record.Reason)).toEqual(['timeout']);
  });

  it('bounds the SDK’s own retries too: a slow failing model is given up at the budget', async () => {
    endpoint = await localEndpoint((response) => {
      setTimeout(() => awsJsonError(response, 503, 'ServiceUnavailableException'), 150);
    }, 'http2');
    client = clientFor(endpoint);
    const started = Date.now();
    const classification = await classifyIntent(client, { modelId: 'router-model', timeoutMs: 400 }, 'Build a tool that reads my calendar');
    expect(classification).toEqual({ intent: 'BUILD', source: 'keywords' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(endpoint.requests()).toBeGreaterThanOrEqual(1);
    expect(endpoint.requests()).toBeLessThan(MODEL_RETRIES.maxAttempts);
    expect(metricValues(output.metrics(), 'ClassifierFallbacks').map(({ record }) => record.Reason)).toEqual(['timeout']);
  });
});
