import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { deployTool } from '../../../lambdas/tool-deployer/deploy';
import { undeployTool } from '../../../lambdas/tool-deployer/undeploy';
import { HandlerError } from '../../../lambdas/shared/responses';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { deployRequest, resetHarness, startHarness, toolItem, undeployRequest, type Harness } from '../../helpers/tool-deployer-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h.lambda.mock.restore();
  await h.dynamo.stop();
});
beforeEach(() => resetHarness(h));

const events = () => auditEvents(h.doc, h.auditTable);
const throttling = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

/** Run `work` while the deployer's DynamoDB client answers `command` types with `fault`. */
async function whileFailing<T>(command: abstract new (...args: never[]) => unknown, fault: () => Error, work: () => Promise<T>): Promise<T> {
  const send = h.doc.send.bind(h.doc);
  const spy = jest.spyOn(h.doc, 'send').mockImplementation(((sent: unknown) => (sent instanceof command ? Promise.reject(fault()) : send(sent as never))) as never);
  try {
    return await work();
  } finally {
    spy.mockRestore();
  }
}

describe('tool deployments in the audit trail', () => {
  it('records each deployment once, with the version it got, by the user it was deployed for', async () => {
    await deployTool(h.deps, deployRequest());
    await deployTool(h.deps, deployRequest());
    const deployed = (version: number) =>
      storedEvent({ type: 'tool_deployed', orgId: 'org-a', userId: 'user-1', actor: 'user:user-1', target: 'tool:weather', outcome: 'success', detail: { version } });
    expect(await events()).toEqual([deployed(1), deployed(2)]);
  });

  it('records an undeploy as tool_undeployed by the org, about the user who deployed the tool', async () => {
    await deployTool(h.deps, deployRequest());
    await undeployTool(h.deps, undeployRequest({ toolName: 'weather', orgId: 'org-a' }));
    expect((await events()).at(-1)).toEqual(
      storedEvent({ type: 'tool_undeployed', orgId: 'org-a', userId: 'user-1', actor: 'org:org-a', target: 'tool:weather', outcome: 'success' }),
    );
  });

  it('records another org\'s undeploy as forbidden, under that org, and deletes nothing', async () => {
    await deployTool(h.deps, deployRequest());
    const before = await toolItem(h, 'weather');
    await expect(undeployTool(h.deps, undeployRequest({ toolName: 'weather', orgId: 'org-b' }))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await toolItem(h, 'weather')).toEqual(before);
    expect((await events()).filter((event) => event.type === 'forbidden')).toEqual([
      storedEvent({ type: 'forbidden', orgId: 'org-b', actor: 'org:org-b', target: 'tool:weather', outcome: 'denied', detail: { action: 'tool.undeploy' } }),
    ]);
  });

  it('writes a deployment and its event together: a throttled write leaves the last good version, and the retry records once', async () => {
    await deployTool(h.deps, deployRequest());
    await expect(whileFailing(TransactWriteCommand, throttling, () => deployTool(h.deps, deployRequest({ memorySize: 512 })))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(await toolItem(h, 'weather')).toMatchObject({ version: 1, memorySize: 256 });
    expect((await events()).map((event) => event.detail)).toEqual([{ version: 1 }]);

    expect((await deployTool(h.deps, deployRequest({ memorySize: 512 }))).tool.version).toBe(2);
    expect((await events()).map((event) => event.detail)).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('refuses a redeploy that raced another (the version moved since it was read) with CONFLICT, recording nothing', async () => {
    await deployTool(h.deps, deployRequest());
    const send = h.doc.send.bind(h.doc);
    // The other deploy lands right after this one read the record.
    const racing = jest.spyOn(h.doc, 'send').mockImplementation((async (command: unknown) => {
      const result = await send(command as never);
      if (command instanceof GetCommand && command.input.TableName === h.tableName) {
        await send(new UpdateCommand({ TableName: h.tableName, Key: command.input.Key, UpdateExpression: 'SET version = :v', ExpressionAttributeValues: { ':v': 2 } }));
      }
      return result;
    }) as never);
    try {
      const error = await deployTool(h.deps, deployRequest()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HandlerError);
      expect(error).toMatchObject({ code: 'CONFLICT' });
    } finally {
      racing.mockRestore();
    }
    expect((await events()).map((event) => event.detail)).toEqual([{ version: 1 }]);
  });
});
