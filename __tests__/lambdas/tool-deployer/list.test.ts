import { deployTool } from '../../../lambdas/tool-deployer/deploy';
import { listTools } from '../../../lambdas/tool-deployer/list';
import type { ToolDeployerResponses } from '../../../lambdas/shared/contract';
import { deployRequest, listRequest, resetHarness, startHarness, WEATHER_SCHEMA, type Harness } from '../../helpers/tool-deployer-harness';

type ToolList = ToolDeployerResponses['list'];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await resetHarness(h);
  for (const name of ['echo', 'alpha', 'delta', 'bravo', 'charlie']) {
    await deployTool(h.deps, deployRequest({ toolName: name, s3Key: `tools/${name}/1.zip`, orgId: 'org-a' }));
  }
  await deployTool(h.deps, deployRequest({ toolName: 'other', s3Key: 'tools/other/1.zip', orgId: 'org-b' }));
});
afterAll(async () => {
  h.lambda.mock.restore();
  await h.dynamo.stop();
});

describe('list', () => {
  it("returns only the org's tools, in name order, with what chat needs to call them", async () => {
    const result = await listTools(h.deps, listRequest({ orgId: 'org-a' }));
    expect(result.tools.map((t) => t.toolName)).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    expect(result.nextToken).toBeUndefined();
    expect(result.tools[0]).toEqual({
      toolName: 'alpha',
      functionName: 'fable-test-tool-alpha',
      functionArn: h.lambda.arnOf('fable-test-tool-alpha'),
      functionUrl: h.lambda.urlOf('fable-test-tool-alpha', 'live'),
      version: 1,
      schema: WEATHER_SCHEMA,
      userId: 'user-1',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('pages with an opaque nextToken until every tool was seen exactly once', async () => {
    const pages: ToolList[] = [];
    let nextToken: string | undefined;
    do {
      const page = await listTools(h.deps, listRequest({ orgId: 'org-a', limit: 2, nextToken }));
      pages.push(page);
      nextToken = page.nextToken;
    } while (nextToken);

    expect(pages.map((p) => p.tools.map((t) => t.toolName))).toEqual([['alpha', 'bravo'], ['charlie', 'delta'], ['echo']]);
    expect(pages[0].nextToken).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses a token from one org in another org\'s listing', async () => {
    const first = await listTools(h.deps, listRequest({ orgId: 'org-a', limit: 1 }));
    await expect(listTools(h.deps, listRequest({ orgId: 'org-b', nextToken: first.nextToken }))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('returns an empty list for an org without tools', async () => {
    await expect(listTools(h.deps, listRequest({ orgId: 'org-z' }))).resolves.toEqual({ tools: [] });
  });
});
