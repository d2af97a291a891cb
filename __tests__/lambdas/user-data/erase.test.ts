import { DeleteObjectsCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ERASED_USER_ID } from '../../../lambdas/shared/contract';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import {
  itemsOf,
  MEMORY_FUNCTION,
  routeMemory,
  seedUser,
  startUserData,
  tableContents,
  type Seeded,
  type Subject,
  type UserDataHarness,
} from '../../helpers/user-data-harness';
import { captureOutput } from '../../helpers/telemetry';

let h: UserDataHarness;
const ORG = 'acme';
const BOB = { userId: 'bob-sub', orgId: ORG };
let bob: Seeded;

beforeAll(async () => {
  h = await startUserData();
  bob = await seedUser(h, BOB, 'bob');
}, 60_000);
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.s3.install();
  routeMemory(h.lambda, h.memory);
});

/** Everything seeded for one user: two memories, a conversation of two messages and a request record, two builds of three files... */
const SEEDED_COUNTS = {
  memories: 2,
  conversations: 1,
  messages: 2,
  requestRecords: 1,
  connections: 1,
  builds: 2,
  buildObjects: 6,
  exports: 1,
  tools: 1,
};

const memoriesOf = async (subject: Subject) =>
  (await h.memory.db.query('SELECT id FROM memories WHERE user_id = $1 AND org_id = $2', [subject.userId, subject.orgId])).rowCount;
const erasures = async (subject: Subject) =>
  (await auditEvents(h.dynamo.doc, h.dynamo.tableName('audit'))).filter((event) => event.type === 'data_erased' && event.userId === subject.userId);
const receiptOf = (subject: Subject, requestId: string) => h.s3.objects.get(`exports/${subject.userId}/${requestId}.json`);

/** What is left of a user: items naming them (tools aside), memories, files. */
async function leftOf(subject: Subject, seeded: Seeded) {
  const items = itemsOf(await tableContents(h), subject);
  return {
    connections: items.connections.length,
    conversations: items.conversations.length,
    builds: items.builds.length,
    memories: await memoriesOf(subject),
    buildFiles: seeded.buildIds.flatMap((id) => h.s3.keys(`builds/${id}/`)).length,
    exports: h.s3.keys(`exports/${subject.userId}/`),
  };
}

describe('erase', () => {
  it('deletes everything of the user, keeps the org\'s tools without their name, and answers with the counts', async () => {
    const carol = { userId: 'carol-sub', orgId: ORG };
    const seeded = await seedUser(h, carol, 'carol');
    const bobBefore = itemsOf(await tableContents(h), BOB);
    const bobFiles = h.s3.keys('builds/').filter((key) => bob.buildIds.some((id) => key.includes(id)));

    expect(await h.request('erase', { ...carol, requestId: 'req-erase-1' })).toEqual({ success: true, counts: SEEDED_COUNTS });

    expect(await leftOf(carol, seeded)).toEqual({
      connections: 0,
      conversations: 0,
      builds: 0,
      memories: 0,
      buildFiles: 0,
      // Only the erasure's receipt: ids and counts, nothing personal.
      exports: [`exports/${carol.userId}/req-erase-1.json`],
    });
    expect(JSON.parse(receiptOf(carol, 'req-erase-1')!.body)).toEqual({
      requestId: 'req-erase-1',
      action: 'erase',
      status: 'completed',
      at: expect.any(String),
      counts: SEEDED_COUNTS,
    });
    const contents = await tableContents(h);
    expect(contents.tools.find((tool) => tool.toolName === seeded.toolName)).toMatchObject({ orgId: ORG, userId: ERASED_USER_ID, version: 1 });

    // Bob, in the same org, is untouched: every item, memory and file.
    expect(itemsOf(contents, BOB)).toEqual({ ...bobBefore, audit: bobBefore.audit });
    expect(await memoriesOf(BOB)).toBe(2);
    expect(h.s3.keys('builds/').filter((key) => bob.buildIds.some((id) => key.includes(id)))).toEqual(bobFiles);
    expect(h.s3.keys(`exports/${BOB.userId}/`)).toEqual([bob.earlierExport]);
  });

  it('takes the user\'s name off the org\'s tools\' version history, which stays for rollback', async () => {
    const grace = { userId: 'grace-sub', orgId: ORG };
    await seedUser(h, grace, 'grace');
    const version = (n: number, userId: string, approvedBy: string) => ({
      PK: `TOOL#${bob.toolName}`,
      SK: `VERSION#${String(n).padStart(10, '0')}`,
      toolName: bob.toolName,
      version: n,
      lambdaVersion: String(n),
      s3Key: `tools/${bob.toolName}/v${n}.zip`,
      sha256: 'a'.repeat(64),
      userId,
      approvedBy,
      deployedAt: '2026-01-01T00:00:00.000Z',
    });
    const history = [version(1, grace.userId, 'user:grace-sub'), version(2, BOB.userId, 'user:grace-sub'), version(3, BOB.userId, 'user:bob-sub')];
    for (const item of history) await h.dynamo.doc.send(new PutCommand({ TableName: h.dynamo.tableName('tools'), Item: item }));

    expect(await h.request('erase', { ...grace, requestId: 'req-erase-versions' })).toMatchObject({ success: true });

    const stored = (await tableContents(h)).tools.filter((item) => String(item.SK).startsWith('VERSION#') && item.toolName === bob.toolName);
    expect(stored.map((item) => [item.version, item.userId, item.approvedBy])).toEqual([
      [1, ERASED_USER_ID, `user:${ERASED_USER_ID}`],
      [2, BOB.userId, `user:${ERASED_USER_ID}`],
      [3, BOB.userId, 'user:bob-sub'],
    ]);
    // Nothing else about the versions changed.
    expect(stored[0]).toMatchObject({ sha256: 'a'.repeat(64), lambdaVersion: '1', s3Key: `tools/${bob.toolName}/v1.zip` });
  });

  it('records data_erased once, with ids and counts only, and keeps the trail of the user', async () => {
    const dave = { userId: 'dave-sub', orgId: ORG };
    await seedUser(h, dave, 'dave');
    await h.request('erase', { ...dave, requestId: 'req-erase-2' });
    const events = await erasures(dave);
    expect(events).toEqual([
      storedEvent({
        type: 'data_erased',
        orgId: ORG,
        userId: dave.userId,
        actor: `user:${dave.userId}`,
        target: `user:${dave.userId}`,
        outcome: 'success',
        detail: { requestId: 'req-erase-2', counts: SEEDED_COUNTS },
        at: JSON.parse(receiptOf(dave, 'req-erase-2')!.body).at,
      }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/green tea|hello|dice/);
    // The audit trail is append-only: the events about the user stay.
    expect((await auditEvents(h.dynamo.doc, h.dynamo.tableName('audit'))).filter((e) => e.userId === dave.userId).map((e) => e.type)).toEqual([
      'build_started',
      'data_erased',
    ]);
  });

  it('answers the same request again from its receipt: same counts, nothing deleted, no second event', async () => {
    const erin = { userId: 'erin-sub', orgId: ORG };
    await seedUser(h, erin, 'erin');
    const first = await h.request('erase', { ...erin, requestId: 'req-erase-3' });
    h.s3.mock.resetHistory();
    h.lambda.resetHistory();
    expect(await h.request('erase', { ...erin, requestId: 'req-erase-3' })).toEqual(first);
    expect(h.s3.sent().map((command) => command.name)).toEqual(['ListObjectsV2', 'HeadObject']);
    expect(h.lambda.calls()).toEqual([]);
    expect(await erasures(erin)).toHaveLength(1);
  });

  const crashes: [string, () => void, 'throws' | 'INTERNAL'][] = [
    [
      'the memory function crashing on the erasure',
      () =>
        h.lambda
          .on(InvokeCommand, { FunctionName: MEMORY_FUNCTION })
          .callsFake(async (input: InvokeCommand['input']) => {
            const event = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
            if (event.action === 'erase') return { $metadata: {}, StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from('{}') } as unknown as InvokeCommandOutput;
            return { $metadata: {}, StatusCode: 200, Payload: Buffer.from(JSON.stringify(await h.memory.invoke(event))) } as unknown as InvokeCommandOutput;
          }),
      'INTERNAL',
    ],
    [
      'S3 failing (503) once the conversations are gone',
      () =>
        h.s3.mock
          .on(DeleteObjectsCommand)
          .rejects(new S3ServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Slow down' })),
      'throws',
    ],
  ];

  it.each(crashes)('cut short by %s, is finished by the retry: the same counts, everything gone, one event', async (_, crash, failure) => {
    const frank = { userId: `frank-${failure.toLowerCase()}`, orgId: ORG };
    const seeded = await seedUser(h, frank, `frank${failure}`);
    const bobBefore = itemsOf(await tableContents(h), BOB);
    captureOutput();
    crash();

    const cut = h.request('erase', { ...frank, requestId: 'req-crash' });
    if (failure === 'throws') await expect(cut).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    else expect(await cut).toEqual({ success: false, error: { code: 'INTERNAL', message: 'Internal error' } });
    // Half done: the receipt says so, the connection is gone, the builds are still there.
    expect(receiptOf(frank, 'req-crash')!.metadata).toMatchObject({ action: 'erase', status: 'in_progress', counts: JSON.stringify(SEEDED_COUNTS) });
    expect((await leftOf(frank, seeded)).connections).toBe(0);
    expect((await leftOf(frank, seeded)).builds).toBe(2);
    expect(await erasures(frank)).toEqual([]);

    h.s3.install();
    routeMemory(h.lambda, h.memory);
    expect(await h.request('erase', { ...frank, requestId: 'req-crash' })).toEqual({ success: true, counts: SEEDED_COUNTS });
    expect(await leftOf(frank, seeded)).toEqual({
      connections: 0,
      conversations: 0,
      builds: 0,
      memories: 0,
      buildFiles: 0,
      exports: [`exports/${frank.userId}/req-crash.json`],
    });
    expect((await erasures(frank)).map((event) => event.detail)).toEqual([{ requestId: 'req-crash', counts: SEEDED_COUNTS }]);
    expect(itemsOf(await tableContents(h), BOB)).toEqual(bobBefore);
  });

  it('refuses a requestId already used for an export with CONFLICT, erasing nothing', async () => {
    const gina = { userId: 'gina-sub', orgId: ORG };
    const seeded = await seedUser(h, gina, 'gina');
    expect(await h.request('export', { ...gina, requestId: 'req-both' })).toMatchObject({ success: true });
    const before = await leftOf(gina, seeded);
    expect(await h.request('erase', { ...gina, requestId: 'req-both' })).toEqual({
      success: false,
      error: { code: 'CONFLICT', message: 'requestId req-both was used for an export' },
    });
    expect(await leftOf(gina, seeded)).toEqual(before);
    expect(await erasures(gina)).toEqual([]);
  });
});
