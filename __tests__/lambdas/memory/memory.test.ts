import { Pool, type Client } from 'pg';
import { mockClient } from 'aws-sdk-client-mock';
import { BedrockRuntimeClient, InvokeModelCommand, ThrottlingException } from '@aws-sdk/client-bedrock-runtime';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startPglite, PGLITE_USER, type PgliteServer } from '../../../scripts/local/pglite';
import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { lambdaContext } from '../../helpers/lambda-events';
import { handler } from '../../../lambdas/memory';
import { migrate } from '../../../lambdas/db-init/migrator';
import { encodeCursor } from '../../../lambdas/memory/cursor';
import type { DirectResponse, Memory, MemoryResponses } from '../../../lambdas/shared/contract';
import { bagOfWordsEmbedding, titanResponse } from '../../helpers/fake-embeddings';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../../../lambdas/shared/clients/dynamodb';
import { auditEvents, storedEvent } from '../../helpers/audit-trail';
import { captureOutput, metricValues, TELEMETRY_ENV } from '../../helpers/telemetry';

const DIMENSIONS = 256;
const MODEL_ID = 'amazon.titan-embed-text-v2:0';
const SECRET_ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!cluster-abc-123456';
const context = lambdaContext(30_000);

const ALICE = { userId: 'alice', orgId: 'acme' };
const BOB = { userId: 'bob', orgId: 'acme' };
const CAROL = { userId: 'carol', orgId: 'globex' };
/** The same user id in another org is another identity: user memories do not follow it. */
const ALICE_AT_GLOBEX = { userId: 'alice', orgId: 'globex' };
/** Alice signed in as a member of the `admins` group (a FABLE operator): the only writers of global memories. */
const ALICE_OPERATOR = { ...ALICE, groups: ['admins'] };
interface Caller {
  readonly userId: string;
  readonly orgId: string;
  readonly groups?: readonly string[];
}

const bedrock = mockClient(BedrockRuntimeClient);
const secrets = mockClient(SecretsManagerClient);

let server: PgliteServer;
let db: Client;
/** The audit trail the handler writes refusals and deletions to. */
let dynamo: LocalDynamo;

function call<A extends keyof MemoryResponses>(action: A, caller: Caller, payload: Record<string, unknown> = {}, ctx = context) {
  return handler({ action, payload: { ...caller, ...payload } }, ctx) as Promise<DirectResponse<MemoryResponses[A]>>;
}

/** The success body of a call, failing the test with the error otherwise. */
async function ok<A extends keyof MemoryResponses>(action: A, caller: Caller, payload: Record<string, unknown> = {}) {
  const response = await call(action, caller, payload);
  if (!response.success) throw new Error(`${action} failed: ${JSON.stringify(response.error)}`);
  return response;
}

const create = async (caller: Caller, content: string, extra: Record<string, unknown> = {}) =>
  (await ok('create', caller, { content, ...extra })).memory;

const errorCode = async (response: Promise<DirectResponse>) => {
  const r = await response;
  return r.success ? 'SUCCESS' : r.error.code;
};

const embeddedTexts = () => bedrock.commandCalls(InvokeModelCommand).map((c) => JSON.parse(String(c.args[0].input.body)).inputText);

beforeAll(async () => {
  server = await startPglite();
  dynamo = await startDynamoLocal();
  db = await server.client();
  await migrate(db as never, DIMENSIONS);
  Object.assign(process.env, server.env, {
    ...TELEMETRY_ENV,
    AWS_REGION: 'us-west-2',
    AUDIT_TABLE: dynamo.tableName('audit'),
    DB_SECRET_ARN: SECRET_ARN,
    EMBEDDING_MODEL_ID: MODEL_ID,
    EMBEDDING_DIMENSIONS: String(DIMENSIONS),
  });
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
    SecretString: JSON.stringify({ username: PGLITE_USER, password: 'from-secrets-manager' }),
  });
});

beforeEach(() => {
  bedrock.reset();
  bedrock.on(InvokeModelCommand).callsFake(titanResponse);
});

afterAll(async () => {
  await server.stop();
  await dynamo.stop();
  bedrock.restore();
  secrets.restore();
});

describe('create', () => {
  it('stores a user memory with defaults, embedded by Titan V2 (normalized, configured dimensions)', async () => {
    const memory = await create(ALICE, 'Alice prefers green tea in the morning');
    expect(memory).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: 'alice',
      orgId: 'acme',
      scope: 'user',
      type: 'note',
      content: 'Alice prefers green tea in the morning',
      importance: 0.5,
      tags: [],
      createdAt: expect.any(String),
      updatedAt: memory.createdAt,
    });
    expect(bedrock.commandCalls(InvokeModelCommand).map((c) => c.args[0].input)).toEqual([
      {
        modelId: MODEL_ID,
        contentType: 'application/json',
        accept: 'application/json',
        body: JSON.stringify({ inputText: 'Alice prefers green tea in the morning', dimensions: DIMENSIONS, normalize: true }),
      },
    ]);
    const stored = await db.query('SELECT embedding <=> $2::vector AS distance FROM memories WHERE id = $1', [
      memory.id,
      `[${bagOfWordsEmbedding(memory.content, DIMENSIONS).join(',')}]`,
    ]);
    expect(stored.rows[0].distance).toBeCloseTo(0, 6);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('keeps scope, type, importance and de-duplicated tags as given', async () => {
    const memory = await create(ALICE, 'The acme deploy window is Tuesday', {
      scope: 'org',
      type: 'fact',
      importance: 0.9,
      tags: ['deploy', 'schedule', 'deploy'],
    });
    expect(memory).toMatchObject({ scope: 'org', type: 'fact', importance: 0.9, tags: ['deploy', 'schedule'] });
  });
});

describe('visibility', () => {
  let personal: Memory;
  let team: Memory;
  let everyone: Memory;

  beforeAll(async () => {
    await db.query('DELETE FROM memories');
    personal = await create(ALICE, 'alice personal reminder about the dentist');
    team = await create(ALICE, 'acme team uses trunk based development', { scope: 'org' });
    everyone = await create(ALICE_OPERATOR, 'the company holiday is in december', { scope: 'global' });
  });

  it.each([
    ['alice (owner)', ALICE, ['personal', 'team', 'everyone']],
    ['bob (same org)', BOB, ['team', 'everyone']],
    ['carol (other org)', CAROL, ['everyone']],
    ['alice in another org', ALICE_AT_GLOBEX, ['everyone']],
  ])('%s gets and lists exactly what it may see', async (_who, caller, visible) => {
    const byName: Record<string, Memory> = { personal, team, everyone };
    for (const [name, memory] of Object.entries(byName)) {
      expect(await errorCode(call('get', caller, { id: memory.id }))).toBe(visible.includes(name) ? 'SUCCESS' : 'NOT_FOUND');
    }
    const listed = (await ok('list', caller)).memories.map((m) => m.id);
    expect(listed.sort()).toEqual(visible.map((name) => byName[name].id).sort());
  });

  it('search never returns a memory the caller may not see, even the closest one', async () => {
    const bobHits = (await ok('search', BOB, { query: 'alice personal reminder about the dentist' })).memories;
    expect(bobHits.map((m) => m.id)).not.toContain(personal.id);
    expect(bobHits.map((m) => m.id).sort()).toEqual([team.id, everyone.id].sort());
    const aliceHits = (await ok('search', ALICE, { query: 'alice personal reminder about the dentist' })).memories;
    expect(aliceHits[0].id).toBe(personal.id);
  });

  it('only the creator may update or delete; invisible ids are NOT_FOUND, visible-but-not-owned FORBIDDEN', async () => {
    expect(await errorCode(call('update', BOB, { id: team.id, tags: ['hijack'] }))).toBe('FORBIDDEN');
    expect(await errorCode(call('update', CAROL, { id: everyone.id, content: 'rewritten' }))).toBe('FORBIDDEN');
    expect(await errorCode(call('update', CAROL, { id: team.id, tags: ['x'] }))).toBe('NOT_FOUND');
    expect(await errorCode(call('update', BOB, { id: personal.id, tags: ['x'] }))).toBe('NOT_FOUND');
    expect(await errorCode(call('delete', BOB, { id: team.id }))).toBe('FORBIDDEN');
    expect(await errorCode(call('delete', CAROL, { id: team.id }))).toBe('NOT_FOUND');
    expect(await errorCode(call('delete', ALICE_AT_GLOBEX, { id: everyone.id }))).toBe('FORBIDDEN');
    // A refused change never reaches Bedrock and leaves the row as it was.
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(0);
    expect((await ok('get', ALICE, { id: team.id })).memory).toEqual(team);
    expect((await ok('get', ALICE, { id: everyone.id })).memory).toEqual(everyone);
  });

  it('global memories are written by operators only: anyone else is FORBIDDEN before Bedrock, the creator too once out of the group', async () => {
    const before = await db.query('SELECT count(*)::int AS n FROM memories');
    expect(await errorCode(call('create', ALICE, { content: 'everyone must read this', scope: 'global' }))).toBe('FORBIDDEN');
    expect(await errorCode(call('create', BOB, { content: 'everyone must read this', scope: 'global', groups: ['beta'] }))).toBe('FORBIDDEN');
    expect(await errorCode(call('update', ALICE, { id: everyone.id, importance: 1 }))).toBe('FORBIDDEN');
    expect(await errorCode(call('delete', ALICE, { id: everyone.id }))).toBe('FORBIDDEN');
    // Another operator is still not the creator.
    expect(await errorCode(call('update', { ...CAROL, groups: ['admins'] }, { id: everyone.id, importance: 1 }))).toBe('FORBIDDEN');
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(0);
    expect((await db.query('SELECT count(*)::int AS n FROM memories')).rows).toEqual(before.rows);
    expect((await ok('get', CAROL, { id: everyone.id })).memory).toEqual(everyone);
    const refused = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((e) => e.type === 'forbidden' && e.detail?.action === 'memory.create');
    const refusedCreate = (userId: string) =>
      storedEvent({ type: 'forbidden', orgId: 'acme', userId, actor: `user:${userId}`, target: 'service:memory', outcome: 'denied', detail: { action: 'memory.create' } });
    expect(refused).toHaveLength(2);
    expect(refused).toEqual(expect.arrayContaining([refusedCreate('alice'), refusedCreate('bob')]));
    expect((await ok('update', ALICE_OPERATOR, { id: everyone.id, importance: 0.8 })).memory.importance).toBe(0.8);
  });

  it('unknown ids are NOT_FOUND for every action', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const action of ['get', 'delete'] as const) expect(await errorCode(call(action, ALICE, { id: unknown }))).toBe('NOT_FOUND');
    expect(await errorCode(call('update', ALICE, { id: unknown, importance: 1 }))).toBe('NOT_FOUND');
  });
});

describe('update', () => {
  it('changes metadata without re-embedding', async () => {
    const memory = await create(ALICE, 'alice drinks espresso');
    bedrock.resetHistory();
    const { memory: updated } = await ok('update', ALICE, { id: memory.id, tags: ['coffee'], importance: 0.8, type: 'preference' });
    expect(updated).toMatchObject({ content: 'alice drinks espresso', tags: ['coffee'], importance: 0.8, type: 'preference' });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(memory.updatedAt));
    expect(updated.createdAt).toBe(memory.createdAt);
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(0);
  });

  it('re-embeds only when the content really changes', async () => {
    const memory = await create(ALICE, 'alice walks to work');
    bedrock.resetHistory();
    await ok('update', ALICE, { id: memory.id, content: 'alice walks to work' });
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(0);

    const { memory: updated } = await ok('update', ALICE, { id: memory.id, content: 'alice cycles to the office' });
    expect(updated.content).toBe('alice cycles to the office');
    expect(embeddedTexts()).toEqual(['alice cycles to the office']);
    const hits = (await ok('search', ALICE, { query: 'cycles office', limit: 1 })).memories;
    expect(hits[0].id).toBe(memory.id);
  });
});

describe('delete', () => {
  it('removes an owned memory for good', async () => {
    const memory = await create(BOB, 'bob temporary note');
    expect(await ok('delete', BOB, { id: memory.id })).toEqual({ success: true, deleted: memory.id });
    expect(await errorCode(call('get', BOB, { id: memory.id }))).toBe('NOT_FOUND');
    expect(await errorCode(call('delete', BOB, { id: memory.id }))).toBe('NOT_FOUND');
  });
});

describe('search', () => {
  const DANA = { userId: 'dana', orgId: 'initech' };
  let coffee: Memory;
  let hiking: Memory;
  let cat: Memory;

  beforeAll(async () => {
    // Global memories from earlier tests would be visible to dana too.
    await db.query('DELETE FROM memories');
    hiking = await create(DANA, 'dana loves hiking in the alps every summer', { type: 'hobby' });
    coffee = await create(DANA, 'dana prefers dark roast coffee with oat milk', { type: 'preference' });
    cat = await create(DANA, 'the cat of dana is called pixel', { type: 'fact' });
  });

  it('publishes its latency, embedding included, and the embedding model’s input tokens', async () => {
    const output = captureOutput();
    await ok('search', DANA, { query: 'which coffee roast does dana prefer' });
    output.restore();
    const emf = output.metrics();
    const [latency] = metricValues(emf, 'MemorySearchLatency');
    expect(latency.value).toBeGreaterThan(0);
    expect(latency.record).toMatchObject({ service: 'memory', Stage: 'test' });
    expect(latency.record._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'FABLE', Dimensions: [['service', 'Stage']], Metrics: expect.arrayContaining([{ Name: 'MemorySearchLatency', Unit: 'Milliseconds' }]) },
    ]);
    expect(metricValues(emf, 'ModelInputTokens').map(({ value }) => value)).toEqual([6]);
  });

  it('ranks by similarity, best first, with similarity = 1 - cosine distance', async () => {
    const { memories } = await ok('search', DANA, { query: 'which coffee roast does dana prefer' });
    expect(memories.map((m) => m.id)).toEqual([coffee.id, expect.any(String), expect.any(String)]);
    const similarities = memories.map((m) => m.similarity);
    expect([...similarities].sort((a, b) => b - a)).toEqual(similarities);
    const expected = bagOfWordsEmbedding('which coffee roast does dana prefer', DIMENSIONS).reduce(
      (sum, x, i) => sum + x * bagOfWordsEmbedding(coffee.content, DIMENSIONS)[i],
      0,
    );
    expect(memories[0].similarity).toBeCloseTo(expected, 5);
    expect(memories[0]).not.toHaveProperty('embedding');
  });

  it('applies limit, minSimilarity and the type filter', async () => {
    expect((await ok('search', DANA, { query: 'dana', limit: 2 })).memories).toHaveLength(2);
    const strict = await ok('search', DANA, { query: 'pixel the cat', minSimilarity: 0.5 });
    expect(strict.memories.map((m) => m.id)).toEqual([cat.id]);
    const hobbies = await ok('search', DANA, { query: 'coffee', types: ['hobby', 'fact'] });
    expect(hobbies.memories.map((m) => m.id).sort()).toEqual([hiking.id, cat.id].sort());
  });
});

describe('list', () => {
  it('pages newest first with an opaque cursor until the end', async () => {
    const ERIN = { userId: 'erin', orgId: 'umbrella' };
    await db.query('DELETE FROM memories');
    const created: Memory[] = [];
    for (let i = 1; i <= 5; i++) created.push(await create(ERIN, `erin note number ${i}`));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ok('list', ERIN, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.memories.map((m) => m.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(created.map((m) => m.id).reverse());
  });
});

describe('bad input', () => {
  const id = '7b2d0c8e-4a5f-4c1e-9f7a-2b3c4d5e6f70';
  const payload = (extra: Record<string, unknown>) => ({ ...ALICE, ...extra });
  const badEvents: [string, unknown, string][] = [
    ['event not an object', 'create', 'event must be an object'],
    ['unknown action', { action: 'forget', payload: payload({}) }, 'action must be one of create, search, get, update, delete, list, export, erase'],
    ['missing payload', { action: 'list' }, 'payload is required'],
    ['missing userId', { action: 'list', payload: { orgId: 'acme' } }, 'payload.userId is required'],
    ['orgId not a string', { action: 'list', payload: { userId: 'alice', orgId: 7 } }, 'payload.orgId must be a string'],
    ['userId with spaces', { action: 'list', payload: { userId: 'a b', orgId: 'acme' } }, 'payload.userId must be printable ASCII without spaces'],
    ['create without content', { action: 'create', payload: payload({}) }, 'payload.content is required'],
    ['create with blank content', { action: 'create', payload: payload({ content: '   ' }) }, 'payload.content must not be blank'],
    ['content over 32 KB', { action: 'create', payload: payload({ content: 'a'.repeat(32 * 1024 + 1) }) }, 'payload.content must be at most 32768 bytes'],
    ['content over 32 KB of UTF-8', { action: 'create', payload: payload({ content: 'é'.repeat(16_385) }) }, 'payload.content must be at most 32768 bytes'],
    ['unknown scope', { action: 'create', payload: payload({ content: 'x', scope: 'team' }) }, 'payload.scope must be one of user, org, global'],
    ['importance above 1', { action: 'create', payload: payload({ content: 'x', importance: 2 }) }, 'payload.importance must be at most 1'],
    ['importance as text', { action: 'create', payload: payload({ content: 'x', importance: '0.5' }) }, 'payload.importance must be a number'],
    ['tags not an array', { action: 'create', payload: payload({ content: 'x', tags: 'a,b' }) }, 'payload.tags must be an array'],
    ['too many tags', { action: 'create', payload: payload({ content: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }) }, 'payload.tags must have at most 20 items'],
    ['a tag with a control character', { action: 'create', payload: payload({ content: 'x', tags: ['ok', 'bad\n'] }) }, 'payload.tags[1] must not contain control characters'],
    ['unknown field', { action: 'create', payload: payload({ content: 'x', embedding: [1] }) }, 'payload has unknown fields: embedding'],
    ['search without query', { action: 'search', payload: payload({}) }, 'payload.query is required'],
    ['search limit 0', { action: 'search', payload: payload({ query: 'x', limit: 0 }) }, 'payload.limit must be at least 1'],
    ['search limit 51', { action: 'search', payload: payload({ query: 'x', limit: 51 }) }, 'payload.limit must be at most 50'],
    ['search limit not an integer', { action: 'search', payload: payload({ query: 'x', limit: 2.5 }) }, 'payload.limit must be an integer'],
    ['minSimilarity above 1', { action: 'search', payload: payload({ query: 'x', minSimilarity: 1.5 }) }, 'payload.minSimilarity must be at most 1'],
    ['empty type filter', { action: 'search', payload: payload({ query: 'x', types: [] }) }, 'payload.types must have at least 1 item'],
    ['type filter of numbers', { action: 'search', payload: payload({ query: 'x', types: [1] }) }, 'payload.types[0] must be a string'],
    ['get without id', { action: 'get', payload: payload({}) }, 'payload.id is required'],
    ['get with a non-uuid id', { action: 'get', payload: payload({ id: '42' }) }, 'payload.id must be a UUID'],
    ['update with nothing to change', { action: 'update', payload: payload({ id }) }, 'payload must change at least one of content, type, importance, tags'],
    ['update of the scope', { action: 'update', payload: payload({ id, scope: 'global' }) }, 'payload has unknown fields: scope'],
    ['delete with a numeric id', { action: 'delete', payload: payload({ id: 42 }) }, 'payload.id must be a string'],
    ['list limit 101', { action: 'list', payload: payload({ limit: 101 }) }, 'payload.limit must be at most 100'],
    ['list cursor not base64url', { action: 'list', payload: payload({ cursor: 'not a cursor!' }) }, 'payload.cursor is invalid'],
    ['list cursor with a forged body', { action: 'list', payload: payload({ cursor: Buffer.from('x.y').toString('base64url') }) }, 'payload.cursor is invalid'],
  ];

  it.each(badEvents)('%s: BAD_REQUEST, and neither Bedrock nor the database is touched', async (_name, event, message) => {
    const connects = jest.spyOn(Pool.prototype, 'connect');
    const secretFetches = secrets.commandCalls(GetSecretValueCommand).length;
    const response = await handler(event, context);
    expect(response).toEqual({ success: false, error: { code: 'BAD_REQUEST', message } });
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(0);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(secretFetches);
    expect(connects).not.toHaveBeenCalled();
    connects.mockRestore();
  });

  it('accepts a cursor it issued (the forged-cursor check is not over-strict)', async () => {
    const cursor = encodeCursor({ createdMicros: '1700000000000000', id });
    expect(await errorCode(call('list', ALICE, { cursor }))).toBe('SUCCESS');
  });
});

describe('the audit trail (reached from the VPC)', () => {
  const eventsAbout = async (id: string) => (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).filter((event) => event.target === `memory:${id}`);
  const stillThere = async (id: string) => (await db.query('SELECT 1 FROM memories WHERE id = $1', [id])).rowCount === 1;

  it('records a deletion once as memory_deleted by its owner, with ids only', async () => {
    const { id } = await create(ALICE, 'alice secret plans for the offsite', { scope: 'org' });
    await ok('delete', ALICE, { id });
    const recorded = await eventsAbout(id);
    expect(recorded).toEqual([
      storedEvent({ type: 'memory_deleted', orgId: 'acme', userId: 'alice', actor: 'user:alice', target: `memory:${id}`, outcome: 'success' }),
    ]);
    expect(JSON.stringify(recorded)).not.toContain('secret plans');
  });

  it.each([
    ['update', { tags: ['hijacked'] }, 'memory.update'],
    ['delete', {}, 'memory.delete'],
  ] as const)('records a refused %s by a non-owner as forbidden, and changes nothing', async (action, change, code) => {
    const { id } = await create(ALICE, `alice org note for ${action}`, { scope: 'org' });
    expect(await errorCode(call(action, BOB, { id, ...change }))).toBe('FORBIDDEN');
    expect(await eventsAbout(id)).toEqual([
      storedEvent({ type: 'forbidden', orgId: 'acme', userId: 'bob', actor: 'user:bob', target: `memory:${id}`, outcome: 'denied', detail: { action: code } }),
    ]);
    expect((await ok('get', ALICE, { id })).memory.tags).toEqual([]);
  });

  it('records nothing for an id the caller cannot see (NOT_FOUND)', async () => {
    const before = (await auditEvents(dynamo.doc, dynamo.tableName('audit'))).length;
    expect(await errorCode(call('delete', ALICE, { id: '00000000-0000-4000-8000-000000000000' }))).toBe('NOT_FOUND');
    expect(await auditEvents(dynamo.doc, dynamo.tableName('audit'))).toHaveLength(before);
  });

  it('rolls back a deletion whose event cannot be written (the memory stays); the retry deletes and records it once', async () => {
    const { id } = await create(ALICE, 'alice note to delete under throttling');
    const client = dynamoDocumentClient();
    const send = client.send.bind(client);
    const throttled = jest.spyOn(client, 'send').mockImplementation(((command: unknown) =>
      command instanceof PutCommand
        ? Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }))
        : send(command as never)) as never);
    try {
      await expect(call('delete', ALICE, { id })).rejects.toMatchObject({ name: 'ThrottlingException' });
    } finally {
      throttled.mockRestore();
    }
    expect(await stillThere(id)).toBe(true);
    expect(await eventsAbout(id)).toEqual([]);

    expect(await ok('delete', ALICE, { id })).toEqual({ success: true, deleted: id });
    expect(await stillThere(id)).toBe(false);
    expect((await eventsAbout(id)).map((event) => event.type)).toEqual(['memory_deleted']);
  });
});

describe('Bedrock throttling', () => {
  const throttled = () => new ThrottlingException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } });

  // The Bedrock client retries throttling itself (shared/clients.test.ts): what reaches the handler outlasted it.
  it('that outlasted the client’s retries is thrown (for the caller to retry) and writes nothing', async () => {
    bedrock.reset();
    bedrock.on(InvokeModelCommand).rejects(throttled());
    await expect(call('create', CAROL, { content: 'carol never stored' })).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(1);
    const rows = await db.query("SELECT count(*)::int AS n FROM memories WHERE content = 'carol never stored'");
    expect(rows.rows[0].n).toBe(0);
  });
});
