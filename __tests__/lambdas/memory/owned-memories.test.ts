import { startDynamoLocal, type LocalDynamo } from '../../../scripts/local/dynamodb-local';
import { MEMORY_ERASE_BATCH, type Memory } from '../../../lambdas/shared/contract';
import { DIMENSIONS, startMemoryHandler, type MemoryHandler } from '../../helpers/memory-handler';

/** What user-data asks of memory for a user's export and erasure: the memories they created, in every scope. */
let memory: MemoryHandler;
let dynamo: LocalDynamo;

const ALICE = { userId: 'alice', orgId: 'acme' };
const BOB = { userId: 'bob', orgId: 'acme' };
const ALICE_AT_GLOBEX = { userId: 'alice', orgId: 'globex' };

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  process.env.AUDIT_TABLE = dynamo.tableName('audit');
  memory = await startMemoryHandler();
});
afterAll(async () => {
  await memory?.stop();
  await dynamo?.stop();
});
beforeEach(() => memory.db.query('DELETE FROM memories'));

/** Global memories are written by operators, so their creator is signed in as one of the `admins` group. */
const create = async (caller: typeof ALICE, content: string, scope = 'user') =>
  (await memory.ok({ action: 'create', payload: { ...caller, content, scope: scope as 'user', ...(scope === 'global' ? { groups: ['admins'] } : {}) } })).memory;

async function exportAll(caller: typeof ALICE, limit: number): Promise<{ ids: string[]; pages: number; totals: number[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await memory.ok({ action: 'export', payload: { ...caller, limit, ...(cursor ? { cursor } : {}) } });
    ids.push(...page.memories.map((m: Memory) => m.id));
    totals.push(page.total);
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { ids, pages, totals };
}

describe('export', () => {
  it('pages through every memory the caller created, in every scope, newest first, with the total on each page', async () => {
    const created: Memory[] = [];
    for (const scope of ['user', 'org', 'global', 'user', 'org']) created.push(await create(ALICE, `alice ${scope} note ${created.length}`, scope));
    await create(BOB, 'bob note in the same org', 'org');
    await create(ALICE_AT_GLOBEX, 'alice in another org');

    const exported = await exportAll(ALICE, 2);
    expect(exported.ids).toEqual(created.map((m) => m.id).reverse());
    expect(exported.pages).toBe(3);
    expect(exported.totals).toEqual([5, 5, 5]);
  });

  it('of a caller with nothing is empty', async () => {
    await create(BOB, 'only bob');
    expect(await memory.ok({ action: 'export', payload: ALICE })).toEqual({ memories: [], total: 0 });
  });
});

describe('erase', () => {
  it('deletes every memory the caller created, in every scope, and nobody else\'s', async () => {
    for (const scope of ['user', 'org', 'global']) await create(ALICE, `alice ${scope}`, scope);
    const bobs = await create(BOB, 'bob keeps this', 'org');
    const otherAlice = await create(ALICE_AT_GLOBEX, 'the same user id in another org keeps this');

    expect(await memory.ok({ action: 'erase', payload: ALICE })).toEqual({ erased: 3, more: false });
    expect(await memory.ok({ action: 'erase', payload: ALICE })).toEqual({ erased: 0, more: false });
    const { rows } = await memory.db.query('SELECT id FROM memories ORDER BY id');
    expect(rows.map((row) => row.id).sort()).toEqual([bobs.id, otherAlice.id].sort());
  });

  it('deletes a batch per call and says when more may remain', async () => {
    await memory.db.query(
      `INSERT INTO memories (user_id, org_id, scope, type, content, embedding, importance, tags)
       SELECT 'alice', 'acme', 'user', 'note', 'bulk ' || n, array_fill(0.1::real, ARRAY[$2::int])::vector, 0.5, '{}'
       FROM generate_series(1, $1) AS n`,
      [MEMORY_ERASE_BATCH + 3, DIMENSIONS],
    );
    expect(await memory.ok({ action: 'erase', payload: ALICE })).toEqual({ erased: MEMORY_ERASE_BATCH, more: true });
    expect(await memory.ok({ action: 'erase', payload: ALICE })).toEqual({ erased: 3, more: false });
  });

  it('rejects fields beyond the caller (erase has no filter to widen or narrow it)', async () => {
    expect(await memory.invoke({ action: 'erase', payload: { ...ALICE, scope: 'user' } })).toEqual({
      success: false,
      error: { code: 'BAD_REQUEST', message: 'payload has unknown fields: scope' },
    });
  });
});
