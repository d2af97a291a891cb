import type { Client, PoolClient } from 'pg';
import { startPglite } from '../local/pglite';
import { migrate } from '../../lambdas/db-init/migrator';
import { MIGRATIONS } from '../../lambdas/shared/contract/migrations';
import { searchVisible } from '../../lambdas/memory/store';
import { median, percentile, type BenchRow } from './table';

/**
 * Memory search latency on PGlite (PostgreSQL + pgvector in WebAssembly, one thread, over TCP
 * like the Lambda's pg client): 10,000 memories of production size (1024 dimensions), the real
 * search code path (transaction, ef_search / iterative scan settings, visibility filter), timed
 * without and then with the HNSW index of the migrations. Absolute numbers are PGlite's, far
 * slower than Aurora; the ratio and the recall are what carry over.
 */
const ROWS = 10_000;
const DIMENSIONS = 1024;
const QUERIES = 50;
const TOPICS = 200;
/** Spread of memories around their topic (uniform noise width, against topic centres in [-0.5, 0.5]). */
const SPREAD = 0.5;
const LIMIT = 10;
/** Sees the global third of the table plus half of the org third: about half the rows. */
const CALLER = { userId: 'u1', orgId: 'o1' };
const GROUP = `memory search (PGlite, ${ROWS.toLocaleString('en-US')} x ${DIMENSIONS})`;

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function timeSearches(db: Client, queries: number[][]): Promise<{ latencies: number[]; ids: string[][] }> {
  const latencies: number[] = [];
  const ids: string[][] = [];
  for (const query of queries) {
    const started = performance.now();
    const hits = await searchVisible(db as unknown as PoolClient, CALLER, query, { limit: LIMIT });
    latencies.push(performance.now() - started);
    ids.push(hits.map((h) => h.id));
  }
  return { latencies, ids };
}

export async function run(): Promise<BenchRow[]> {
  const server = await startPglite();
  try {
    const db = await server.client();
    await migrate(db as never, DIMENSIONS, MIGRATIONS.filter((m) => m.name !== 'memories-embedding-hnsw'));

    let started = performance.now();
    // Clustered like real embeddings (topics), not uniform noise: on uniform random vectors in
    // 1024 dimensions every distance is about the same and no index can tell neighbours apart.
    await db.query(
      `CREATE TEMP TABLE topics AS
       SELECT t, array(SELECT random() - 0.5 FROM generate_series(1, $1::int) WHERE t >= 0) AS center
       FROM generate_series(0, $2::int - 1) AS t`,
      [DIMENSIONS, TOPICS],
    );
    await db.query(
      `INSERT INTO memories (user_id, org_id, scope, type, content, embedding)
       SELECT 'u' || (i % 100), 'o' || (i % 2), (ARRAY['global', 'org', 'user'])[1 + i % 3], 'note', 'memory ' || i,
              (SELECT array_agg(x + (random() - 0.5) * $3::float8 ORDER BY k) FROM unnest(topics.center) WITH ORDINALITY AS c(x, k))::vector
       FROM generate_series(1, $1::int) AS i JOIN topics ON topics.t = i % $2::int`,
      [ROWS, TOPICS, SPREAD],
    );
    await db.query('ANALYZE memories');
    const insertMs = performance.now() - started;

    // Queries land near stored memories, as a question lands near the memory that answers it.
    const samples = await db.query<{ embedding: string }>('SELECT embedding::text FROM memories ORDER BY random() LIMIT $1', [QUERIES]);
    const queries = samples.rows.map((r) => (JSON.parse(r.embedding) as number[]).map((x) => x + (Math.random() - 0.5) * SPREAD));
    const exact = await timeSearches(db, queries);

    // An in-memory graph build; Aurora's default maintenance_work_mem is sized to the instance.
    await db.query("SET maintenance_work_mem = '512MB'");
    started = performance.now();
    await migrate(db as never, DIMENSIONS);
    await db.query('ANALYZE memories');
    const indexMs = performance.now() - started;

    const indexed = await timeSearches(db, queries);
    const recall =
      exact.ids.reduce((sum, truth, i) => sum + indexed.ids[i].filter((id) => truth.includes(id)).length / truth.length, 0) /
      QUERIES;

    const p50 = median(indexed.latencies);
    const exactP50 = median(exact.latencies);
    return [
      { group: GROUP, metric: `bulk insert ${ROWS} rows + ANALYZE`, value: ms(insertMs) },
      { group: GROUP, metric: 'HNSW index build (migration 3)', value: ms(indexMs) },
      { group: GROUP, metric: `search p50 without HNSW (exact, ${QUERIES} queries, limit ${LIMIT})`, value: ms(exactP50) },
      { group: GROUP, metric: 'search p95 without HNSW', value: ms(percentile(exact.latencies, 95)) },
      { group: GROUP, metric: `search p50 with HNSW (${QUERIES} queries, limit ${LIMIT})`, value: ms(p50) },
      { group: GROUP, metric: 'search p95 with HNSW', value: ms(percentile(indexed.latencies, 95)) },
      { group: GROUP, metric: 'HNSW speed-up at p50', value: `${(exactP50 / p50).toFixed(1)}x`, budget: '> 1x', ok: exactP50 > p50 },
      { group: GROUP, metric: `recall@${LIMIT} of HNSW vs exact`, value: recall.toFixed(3), budget: '>= 0.9', ok: recall >= 0.9 },
    ];
  } finally {
    await server.stop();
  }
}
