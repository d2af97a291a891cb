import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { BUCKET, seedUser, startUserData, tableContents, type Seeded, type UserDataHarness } from '../../helpers/user-data-harness';

let h: UserDataHarness;
let alice: Seeded;
const ALICE = { userId: 'alice-sub', orgId: 'acme' };
const BOB = { userId: 'bob-sub', orgId: 'acme' };

beforeAll(async () => {
  h = await startUserData();
  alice = await seedUser(h, ALICE, 'alice');
  await seedUser(h, BOB, 'bob');
}, 60_000);
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => h.s3.mock.resetHistory());

const exportKey = (requestId: string) => `exports/${ALICE.userId}/${requestId}.json`;
const documentAt = (key: string) => JSON.parse(h.s3.objects.get(key)!.body);
const exportEvents = async () => (await auditEvents(h.dynamo.doc, h.dynamo.tableName('audit'))).filter((event) => event.type === 'data_exported');

describe('export', () => {
  it('writes one document of everything held about the user, and answers with a 15-minute pre-signed GET and the counts', async () => {
    const response = await h.request('export', { ...ALICE, requestId: 'req-export-1' });
    const counts = { memories: 2, conversations: 1, messages: 2, builds: 2, tools: 1, auditEvents: 1 };
    expect(response).toEqual({ success: true, url: expect.any(String), counts });

    const url = new URL((response as { url: string }).url);
    expect(`${url.host}${url.pathname}`).toBe(`${BUCKET}.s3.us-west-2.amazonaws.com/${exportKey('req-export-1')}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

    const puts = h.s3.sent().filter((command) => command.name === 'PutObject');
    expect(puts).toEqual([
      {
        name: 'PutObject',
        input: {
          Bucket: BUCKET,
          Key: exportKey('req-export-1'),
          Body: expect.any(String),
          ContentType: 'application/json',
          Metadata: { action: 'export', status: 'completed', at: expect.any(String), counts: JSON.stringify(counts) },
          IfNoneMatch: '*',
        },
      },
    ]);

    const document = documentAt(exportKey('req-export-1'));
    expect(document).toMatchObject({ format: 'fable-user-export/1', requestId: 'req-export-1', ...ALICE, counts });
    expect(document.memories.map((m: { id: string }) => m.id).sort()).toEqual([...alice.memoryIds].sort());
    expect(document.conversations).toEqual([
      {
        conversationId: alice.conversationId,
        orgId: 'acme',
        createdAt: '2026-05-01T10:00:00.000Z',
        updatedAt: '2026-05-01T10:00:05.000Z',
        messages: [
          { role: 'user', content: 'hello from alice', createdAt: '2026-05-01T10:00:00.000Z' },
          { role: 'assistant', content: 'hello alice', createdAt: '2026-05-01T10:00:05.000Z', messageId: 'm-alice' },
        ],
      },
    ]);
    // A build cut to a preview on its row is exported with its whole request, from its spec.
    const requests = Object.fromEntries(document.builds.map((b: { buildId: string; request: string }) => [b.buildId, b.request]));
    expect(requests).toEqual({ [alice.buildIds[0]]: 'alice wants a very long tool request', [alice.buildIds[1]]: 'alice wants a dice tool' });
    expect(document.builds[0]).not.toHaveProperty('PK');
    expect(document.tools).toEqual([expect.objectContaining({ toolName: alice.toolName, orgId: 'acme', version: 1 })]);
    expect(document.auditEvents).toEqual([expect.objectContaining({ type: 'build_started', actor: `user:${ALICE.userId}` })]);
    // Nothing of Bob's, though he is in the same org.
    expect(JSON.stringify(document)).not.toMatch(/bob/);
  });

  it('records data_exported once, with ids and counts only', async () => {
    expect(await exportEvents()).toEqual([
      storedEvent({
        type: 'data_exported',
        orgId: 'acme',
        userId: ALICE.userId,
        actor: `user:${ALICE.userId}`,
        target: `user:${ALICE.userId}`,
        outcome: 'success',
        detail: { requestId: 'req-export-1', counts: { memories: 2, conversations: 1, messages: 2, builds: 2, tools: 1, auditEvents: 1 } },
        at: h.s3.objects.get(exportKey('req-export-1'))!.metadata!.at,
      }),
    ]);
  });

  it('answers the same request again from its document: a fresh URL, no second document, no second event', async () => {
    const before = documentAt(exportKey('req-export-1'));
    const again = await h.request('export', { ...ALICE, requestId: 'req-export-1' });
    expect(again).toMatchObject({ success: true, counts: before.counts, url: expect.stringContaining(exportKey('req-export-1')) });
    expect(h.s3.sent().map((command) => command.name)).toEqual(['ListObjectsV2', 'HeadObject']);
    expect(documentAt(exportKey('req-export-1'))).toEqual(before);
    expect(await exportEvents()).toHaveLength(1);
  });

  it('changes nothing FABLE holds: an export only reads', async () => {
    const before = await tableContents(h);
    await h.request('export', { ...ALICE, requestId: 'req-export-2' });
    const after = await tableContents(h);
    expect({ ...after, audit: undefined }).toEqual({ ...before, audit: undefined });
    expect(after.audit.length).toBe(before.audit.length + 1);
  });

  it('refuses the shared anonymous identity, recording the refusal, and writes nothing else', async () => {
    const response = await h.request('export', { userId: 'anonymous', orgId: 'default', requestId: 'req-anon' });
    expect(response).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
    expect(h.s3.sent()).toEqual([]);
    const refusals = (await auditEvents(h.dynamo.doc, h.dynamo.tableName('audit'))).filter((event) => event.type === 'forbidden');
    expect(refusals).toEqual([
      storedEvent({ type: 'forbidden', orgId: 'default', userId: 'anonymous', actor: 'user:anonymous', target: 'user:anonymous', outcome: 'denied', detail: { action: 'data.export' } }),
    ]);
  });

  it.each([
    ['an unknown action', 'share', { ...ALICE, requestId: 'r' }, 'action must be one of export, erase'],
    ['no requestId', 'export', ALICE, 'payload.requestId is required'],
    ['a requestId that could leave its folder', 'export', { ...ALICE, requestId: '../bob-sub/r' }, 'payload.requestId must be 1-64 letters, digits, "_" or "-"'],
    ['an extra field', 'export', { ...ALICE, requestId: 'r', targetUserId: 'bob-sub' }, 'payload has unknown fields: targetUserId'],
  ])('answers %s with BAD_REQUEST and reaches nothing', async (_, action, payload, message) => {
    h.lambda.resetHistory();
    expect(await h.request(action, payload)).toEqual({ success: false, error: { code: 'BAD_REQUEST', message } });
    expect(h.s3.sent()).toEqual([]);
    expect(h.lambda.calls()).toEqual([]);
  });
});
