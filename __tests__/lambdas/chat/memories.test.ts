import { LambdaClient } from '@aws-sdk/client-lambda';
import { relevantMemories } from '../../../lambdas/chat/memories';
import { SDK_RETRIES } from '../../../lambdas/shared/clients/retries';
import { localEndpoint, type LocalEndpoint } from '../../helpers/local-endpoint';
import { memoryHit } from '../../helpers/chat-fixtures';
import { captureOutput } from '../../helpers/telemetry';

/** A real Lambda client (the production retry settings) invoking a local stand-in for the memory function. */
const clientFor = (endpoint: LocalEndpoint) =>
  new LambdaClient({ endpoint: endpoint.url, region: 'us-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, ...SDK_RETRIES });

const SEARCH = { query: 'where do I live?', userId: 'user-1', orgId: 'org-1' };

describe('the memory search chat makes, on a real SDK request', () => {
  let endpoint: LocalEndpoint;
  let client: LambdaClient;
  beforeEach(() => captureOutput());
  afterEach(async () => {
    client.destroy();
    await endpoint.close();
    jest.restoreAllMocks();
  });

  it('returns the contents of the memories found', async () => {
    endpoint = await localEndpoint((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ success: true, memories: [memoryHit('The user lives in Paris', 0.9)] }));
    });
    client = clientFor(endpoint);
    expect(await relevantMemories(client, { functionName: 'fable-test-memory', limit: 5, timeoutMs: 2_000 }, SEARCH)).toEqual([
      'The user lives in Paris',
    ]);
  });

  it('gives up at its budget when memory does not answer, and chat goes on without memories', async () => {
    endpoint = await localEndpoint(() => undefined);
    client = clientFor(endpoint);
    const started = Date.now();
    expect(await relevantMemories(client, { functionName: 'fable-test-memory', limit: 5, timeoutMs: 200 }, SEARCH)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(endpoint.requests()).toBe(1);
  });

  it('answers without memories when memory answers outside its contract', async () => {
    endpoint = await localEndpoint((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ success: true, memories: [{ content: 'no id, no scope' }] }));
    });
    client = clientFor(endpoint);
    expect(await relevantMemories(client, { functionName: 'fable-test-memory', limit: 5, timeoutMs: 2_000 }, SEARCH)).toEqual([]);
  });
});
