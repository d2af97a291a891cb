import type { Client, PoolClient } from 'pg';
import { startPglite, type PgliteServer } from '../../../scripts/local/pglite';
import { migrate } from '../../../lambdas/db-init/migrator';
import { MIGRATIONS, MEMORIES_HNSW_INDEX } from '../../../lambdas/shared/contract/migrations';
import { efSearch, SEARCH_SETTINGS_SQL, SEARCH_SQL, searchParameters, searchVisible } from '../../../lambdas/memory/store';

/**
 * The search query on a populated table (5,000 rows): the planner serves it from the HNSW
 * index despite the visibility filter, and iterative scanning fills the page. The plan does not
 * depend on the vector size, so a small one keeps the index build fast.
 */
const DIMENSIONS = 64;
const ROWS = 5_000;
/** Sees the global third of the table plus its org's share of the org third (about half). */
const MEMBER = { userId: 'u1', orgId: 'o1' };
/** Sees only the global third. */
const OUTSIDER = { userId: 'nobody', orgId: 'elsewhere' };

let server: PgliteServer;
let db: Client;
const randomVector = () => Array.from({ length: DIMENSIONS }, () => Math.random() - 0.5);

beforeAll(async () => {
  server = await startPglite();
  db = await server.client();
  // Table first, rows next, then the index migration: the order a grown production table sees,
  // and much faster than maintaining the graph row by row.
  await migrate(db as never, DIMENSIONS, MIGRATIONS.filter((m) => m.name !== 'memories-embedding-hnsw'));
  await db.query(
    `INSERT INTO memories (user_id, org_id, scope, type, content, embedding)
     SELECT 'u' || (i % 100), 'o' || (i % 2), (ARRAY['global', 'org', 'user'])[1 + i % 3], 'note', 'bulk memory ' || i,
            array(SELECT random() - 0.5 FROM generate_series(1, $1::int) WHERE i > 0)::vector
     FROM generate_series(1, $2::int) AS i`,
    [DIMENSIONS, ROWS],
  );
  expect((await migrate(db as never, DIMENSIONS)).applied).toEqual([{ version: 3, name: 'memories-embedding-hnsw' }]);
  await db.query('ANALYZE memories');
});

afterAll(async () => {
  await server.stop();
});

/** Run `work` inside a transaction with the search settings applied, as searchVisible does. */
async function withSearchSettings<T>(limit: number, work: () => Promise<T>, iterativeScan = 'relaxed_order'): Promise<T> {
  await db.query('BEGIN');
  try {
    await db.query(SEARCH_SETTINGS_SQL, [String(efSearch(limit))]);
    await db.query("SELECT set_config('hnsw.iterative_scan', $1, true)", [iterativeScan]);
    return await work();
  } finally {
    await db.query('ROLLBACK');
  }
}

function indexScans(plan: unknown): string[] {
  const found: string[] = [];
  const walk = (node: any) => {
    if (node['Node Type'] === 'Index Scan') found.push(node['Index Name']);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk((plan as any)[0].Plan);
  return found;
}

it(`serves the visibility-filtered search from the HNSW index on ${ROWS} rows`, async () => {
  expect((await db.query('SELECT count(*)::int AS n FROM memories')).rows[0].n).toBe(ROWS);
  for (const [caller, limit] of [
    [MEMBER, 10],
    [OUTSIDER, 50],
  ] as const) {
    const explain = await withSearchSettings(limit, () =>
      db.query(`EXPLAIN (FORMAT JSON) ${SEARCH_SQL}`, searchParameters(caller, randomVector(), { limit })),
    );
    expect(indexScans(explain.rows[0]['QUERY PLAN'])).toEqual([MEMORIES_HNSW_INDEX]);
  }
});

it('fills the page through iterative scanning when most neighbours are invisible', async () => {
  const query = randomVector();
  const hits = await searchVisible(db as unknown as PoolClient, OUTSIDER, query, { limit: 50 });
  expect(hits).toHaveLength(50);
  expect(hits.every((h) => h.scope === 'global')).toBe(true);
  const similarities = hits.map((h) => h.similarity);
  expect([...similarities].sort((a, b) => b - a)).toEqual(similarities);

  // Without iterative scanning the index stops after ef_search candidates, most of them filtered out.
  const plain = await withSearchSettings(
    50,
    () => db.query(SEARCH_SQL, searchParameters(OUTSIDER, query, { limit: 50 })),
    'off',
  );
  expect(plain.rows.length).toBeLessThan(50);
});
