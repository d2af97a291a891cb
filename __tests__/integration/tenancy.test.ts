/**
 * Tenant isolation on the real engines (DynamoDB Local, PGlite + pgvector): two orgs and three
 * users side by side, every read and write path tried across each boundary. Every attempt is
 * refused (FORBIDDEN where the caller may know the thing exists, NOT_FOUND where even that would
 * leak), changes nothing, and no answer carries anything of another tenant.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { BedrockRuntimeClient, ConverseStreamCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as buildKickoff } from '../../lambdas/build-kickoff';
import { handler as chat } from '../../lambdas/chat';
import { handler as toolDeployer } from '../../lambdas/tool-deployer';
import type { DirectResponse } from '../../lambdas/shared/contract';
import { answerWith, chatEnvironment, chatEvent, framesSent, textAnswer } from '../helpers/chat-fixtures';
import { titanResponse } from '../helpers/fake-embeddings';
import { quotaEnvironment } from '../helpers/quotas';
import { lambdaContext } from '../helpers/lambda-events';
import { routeMemory, seedUser, startUserData, tableContents, itemsOf, type Seeded, type UserDataHarness } from '../helpers/user-data-harness';
import { captureOutput } from '../helpers/telemetry';

const ALICE = { userId: 'alice', orgId: 'acme' };
const BOB = { userId: 'bob', orgId: 'acme' };
const CAROL = { userId: 'carol', orgId: 'globex', orgRole: 'admin' };
type User = typeof ALICE | typeof CAROL;
const PEOPLE = { alice: ALICE, bob: BOB, carol: CAROL } as const;

/** Bedrock for chat and for memory's embeddings (made after the harness's own, which it replaces). */
let bedrock: ReturnType<typeof mockClient>;
const websocket = mockClient(ApiGatewayManagementApiClient);
let h: UserDataHarness;
const seeded = {} as Record<keyof typeof PEOPLE, Seeded>;

beforeAll(async () => {
  h = await startUserData();
  Object.assign(process.env, chatEnvironment(h.dynamo), quotaEnvironment(h.dynamo), {
    BUILD_SLOT_SECONDS: '7200',
    MEMORY_FUNCTION_NAME: 'fable-test-memory',
    STATE_MACHINE_ARN: 'arn:aws:states:us-west-2:123456789012:stateMachine:fable-test-build-pipeline',
    BUILDS_PAUSED: 'false',
    TOOL_ROLE_ARN: 'arn:aws:iam::123456789012:role/fable-test-tool-execution',
    TOOL_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/fable-test-tool-boundary',
    TOOL_RUNTIME: 'nodejs24.x',
    TOOL_LOG_RETENTION_DAYS: '14',
    TOOL_RESERVED_CONCURRENCY: '5',
  });
  bedrock = mockClient(BedrockRuntimeClient);
  bedrock.on(InvokeModelCommand).callsFake(titanResponse);
  for (const [name, person] of Object.entries(PEOPLE)) seeded[name as keyof typeof PEOPLE] = await seedUser(h, person, name);
}, 120_000);

afterAll(async () => {
  bedrock.restore();
  websocket.restore();
  await h?.stop();
});

beforeEach(() => {
  routeMemory(h.lambda, h.memory);
  websocket.reset();
  // Quiet: the handlers' structured log lines go to stdout.
  captureOutput();
});
afterEach(() => jest.restoreAllMocks());

/**
 * Whether anything `seedUser` gave this person shows in an answer: the text of their memories,
 * messages, build requests and tool descriptions (every one starts with their name), their
 * memory ids and build ids. (Ids the asker itself sent, such as a conversation id, do not count.)
 */
function leaks(answer: unknown, name: keyof typeof PEOPLE): boolean {
  const text = JSON.stringify(answer);
  const { memoryIds, buildIds } = seeded[name];
  return new RegExp(`(hello|"|\\b)${name}( |'s)`).test(text) || [...memoryIds, ...buildIds].some((id) => text.includes(id));
}

const code = (response: DirectResponse<object>) => (response.success ? 'SUCCESS' : response.error.code);

describe('tenant isolation, on every path', () => {
  it('memory: another user\'s user memories and another org\'s org memories are invisible (NOT_FOUND); a teammate\'s org memory is read-only (FORBIDDEN)', async () => {
    const before = await h.memory.db.query('SELECT id, content, updated_at FROM memories ORDER BY id');
    const [aliceUser, aliceOrg] = seeded.alice.memoryIds;
    const attempts: [User, string, string][] = [
      [BOB, aliceUser, 'NOT_FOUND'],
      [CAROL, aliceUser, 'NOT_FOUND'],
      [CAROL, aliceOrg, 'NOT_FOUND'],
    ];
    for (const [caller, id, expected] of attempts) {
      for (const event of [
        { action: 'get', payload: { ...caller, id } },
        { action: 'update', payload: { ...caller, id, content: 'taken over' } },
        { action: 'delete', payload: { ...caller, id } },
      ]) {
        const response = await h.memory.invoke(event);
        expect({ event, code: code(response) }).toEqual({ event, code: expected });
        expect(leaks(response, 'alice')).toBe(false);
      }
    }
    expect(code(await h.memory.invoke({ action: 'get', payload: { ...BOB, id: aliceOrg } }))).toBe('SUCCESS');
    expect(code(await h.memory.invoke({ action: 'update', payload: { ...BOB, id: aliceOrg, importance: 1 } }))).toBe('FORBIDDEN');
    expect(code(await h.memory.invoke({ action: 'delete', payload: { ...BOB, id: aliceOrg } }))).toBe('FORBIDDEN');

    for (const caller of [BOB, CAROL]) {
      for (const event of [
        { action: 'list', payload: { ...caller } },
        { action: 'search', payload: { ...caller, query: 'alice likes green tea' } },
        { action: 'export', payload: { ...caller } },
      ]) {
        const response = await h.memory.invoke(event);
        expect(response.success).toBe(true);
        const contents = JSON.stringify(response);
        expect(contents).not.toContain('alice likes green tea');
        if (caller.orgId !== 'acme') expect(contents).not.toContain('alice runs the weekly sync');
      }
    }
    expect((await h.memory.db.query('SELECT id, content, updated_at FROM memories ORDER BY id')).rows).toEqual(before.rows);
  });

  it('builds: status answers another org NOT_FOUND (as for a build that never existed) and a teammate FORBIDDEN, without the request', async () => {
    const [aliceBuild] = seeded.alice.buildIds;
    const status = (caller: object, buildId = aliceBuild) => buildKickoff({ action: 'status', payload: { buildId, ...caller } }) as Promise<DirectResponse<object>>;
    const outsider = await status(CAROL);
    const neverExisted = await status(CAROL, '00000000-0000-4000-8000-000000000000');
    expect(code(outsider)).toBe('NOT_FOUND');
    expect(JSON.stringify(outsider).replace(aliceBuild, '<id>')).toBe(JSON.stringify(neverExisted).replace('00000000-0000-4000-8000-000000000000', '<id>'));
    const teammate = await status(BOB);
    expect(code(teammate)).toBe('FORBIDDEN');
    // The answers name only the id that was asked about.
    for (const answer of [outsider, teammate]) expect(leaks(JSON.parse(JSON.stringify(answer).replaceAll(aliceBuild, '<asked>')), 'alice')).toBe(false);
    expect(code(await status(ALICE))).toBe('SUCCESS');
  });

  it('conversations: another user\'s conversation is refused before the model, stored nothing and answered without its content', async () => {
    /** What the tables hold of alice's, but the audit trail (where each refusal is recorded). */
    const aliceData = async () => ({ ...itemsOf(await tableContents(h), ALICE), audit: [] });
    const before = await aliceData();
    for (const caller of [BOB, CAROL]) {
      const event = chatEvent({ ...caller, connectionId: seeded[caller.userId as 'bob' | 'carol'].connectionId, conversationId: seeded.alice.conversationId, requestId: `req-${caller.userId}` });
      expect(await chat(event, lambdaContext(60_000))).toEqual({ outcome: 'forbidden' });
      expect(framesSent(websocket).map((frame) => frame.payload.code)).toEqual(['FORBIDDEN']);
      expect(leaks(framesSent(websocket), 'alice')).toBe(false);
      websocket.reset();
    }
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(0);
    expect(await aliceData()).toEqual(before);
  });

  it('chat offers the model only the caller\'s org tools and memories the caller may see', async () => {
    answerWith(bedrock, textAnswer(['Hi carol.']));
    const event = chatEvent({ ...CAROL, connectionId: seeded.carol.connectionId, conversationId: 'conv-carol-new', requestId: 'req-carol-new', content: 'who likes green tea?' });
    expect(await chat(event, lambdaContext(60_000))).toEqual({ outcome: 'completed' });
    const sent = bedrock.commandCalls(ConverseStreamCommand)[0].args[0].input;
    expect((sent.toolConfig?.tools ?? []).map((tool) => tool.toolSpec?.name)).toEqual([seeded.carol.toolName]);
    // The search ran (carol's own memory is there) and found nothing of acme's.
    expect(JSON.stringify(sent.system)).toContain('carol likes green tea');
    expect(leaks(sent.system, 'alice')).toBe(false);
    expect(leaks(sent.system, 'bob')).toBe(false);
  });

  it('tools: an org lists only its own tools, and another org\'s undeploy or rollback is FORBIDDEN and changes nothing', async () => {
    const list = (await toolDeployer({ action: 'list', payload: { orgId: 'acme' } })) as DirectResponse<{ tools: { toolName: string }[] }>;
    expect(list.success && list.tools.map((tool) => tool.toolName).sort()).toEqual([seeded.alice.toolName, seeded.bob.toolName]);
    const before = await tableContents(h);
    const undeploy = (await toolDeployer({ action: 'undeploy', payload: { toolName: seeded.alice.toolName, orgId: 'globex' } })) as DirectResponse<object>;
    expect(code(undeploy)).toBe('FORBIDDEN');
    const rollback = (await toolDeployer({ action: 'rollback', payload: { toolName: seeded.alice.toolName, orgId: 'globex', userId: 'carol' } })) as DirectResponse<object>;
    expect(code(rollback)).toBe('FORBIDDEN');
    expect((await tableContents(h)).tools).toEqual(before.tools);
  });

  it('data rights: an export holds only the caller\'s own data; an erasure leaves everyone else\'s untouched', async () => {
    const exported = await h.request('export', { ...BOB, requestId: 'tenancy-export' });
    expect(exported.success).toBe(true);
    const document = JSON.parse(h.s3.objects.get('exports/bob/tenancy-export.json')!.body);
    expect(document).toMatchObject({ userId: 'bob', orgId: 'acme' });
    expect(leaks({ ...document, auditEvents: [] }, 'alice')).toBe(false);
    expect(leaks(document, 'carol')).toBe(false);
    // Bob's own refused attempts name what he tried (an id he sent) and nothing else of alice's.
    expect(document.auditEvents.length).toBeGreaterThan(0);
    for (const event of document.auditEvents) expect(event).toMatchObject({ orgId: 'acme', actor: 'user:bob' });

    const contents = await tableContents(h);
    const others = [itemsOf(contents, ALICE), itemsOf(contents, CAROL)];
    const aliceMemories = await h.memory.db.query(`SELECT id FROM memories WHERE user_id <> 'bob' ORDER BY id`);
    expect(await h.request('erase', { ...BOB, requestId: 'tenancy-erase' })).toMatchObject({ success: true });
    const after = await tableContents(h);
    expect([itemsOf(after, ALICE), itemsOf(after, CAROL)]).toEqual(others);
    expect((await h.memory.db.query(`SELECT id FROM memories WHERE user_id <> 'bob' ORDER BY id`)).rows).toEqual(aliceMemories.rows);
  });
});
