import type { PoolClient } from 'pg';
import type { Memory, MemoryPayloads, MemoryScope, MemorySearchHit } from '../shared/contract';
import { MEMORIES_TABLE } from '../shared/contract/migrations';
import { inTransaction } from '../shared/database/database';
import type { ListCursor } from './cursor';

/** Who is asking: every memory call carries both (DESIGN.md section 4). */
export interface Caller {
  readonly userId: string;
  readonly orgId: string;
}

/** What a new memory holds besides its embedding. */
type NewMemory = Pick<MemoryPayloads['create'], 'content' | 'scope' | 'type' | 'importance' | 'tags'>;
/** What an update may change; undefined leaves a field as it is. */
type MemoryChanges = Pick<MemoryPayloads['update'], 'content' | 'type' | 'importance' | 'tags'>;

/**
 * The memory queries. Visibility and ownership are conditions in the SQL itself (never a
 * filter applied after reading), and every value is a bind parameter.
 */
const COLUMNS = 'id, user_id, org_id, scope, type, content, importance, tags, created_at, updated_at';

/** What the caller may read: own user scope, own org's org scope, every global memory. */
const visibleTo = (user: string, org: string) =>
  `(scope = 'global' OR (scope = 'org' AND org_id = ${org}) OR (scope = 'user' AND org_id = ${org} AND user_id = ${user}))`;

/** What the caller may change: what it created (same user in the same org), whatever the scope. */
const ownedBy = (user: string, org: string) => `(user_id = ${user} AND org_id = ${org})`;

interface MemoryRow {
  id: string;
  user_id: string;
  org_id: string;
  scope: MemoryScope;
  type: string;
  content: string;
  importance: number;
  tags: string[];
  created_at: Date;
  updated_at: Date;
}

function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    userId: row.user_id,
    orgId: row.org_id,
    scope: row.scope,
    type: row.type,
    content: row.content,
    importance: row.importance,
    tags: row.tags,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** pgvector's text form; sent as a parameter and cast with `::vector`. */
export const vectorLiteral = (embedding: readonly number[]) => `[${embedding.join(',')}]`;

export async function insertMemory(
  client: PoolClient,
  caller: Caller,
  memory: NewMemory,
  embedding: readonly number[],
): Promise<Memory> {
  const { rows } = await client.query<MemoryRow>(
    `INSERT INTO ${MEMORIES_TABLE} (user_id, org_id, scope, type, content, embedding, importance, tags)
     VALUES ($1, $2, $3, $4, $5, $6::vector, $7, $8::text[])
     RETURNING ${COLUMNS}`,
    [caller.userId, caller.orgId, memory.scope, memory.type, memory.content, vectorLiteral(embedding), memory.importance, memory.tags],
  );
  return toMemory(rows[0]);
}

/** The memory if the caller may see it, with whether the caller owns it. */
export async function findVisible(
  client: PoolClient,
  caller: Caller,
  id: string,
): Promise<{ memory: Memory; owned: boolean } | undefined> {
  const { rows } = await client.query<MemoryRow & { owned: boolean }>(
    `SELECT ${COLUMNS}, ${ownedBy('$2', '$3')} AS owned FROM ${MEMORIES_TABLE} WHERE id = $1 AND ${visibleTo('$2', '$3')}`,
    [id, caller.userId, caller.orgId],
  );
  return rows[0] && { memory: toMemory(rows[0]), owned: rows[0].owned };
}

/**
 * Apply changes to a memory the caller owns. Content and embedding are only ever written
 * together, so they always match; undefined is returned when no owned row has this id.
 */
export async function updateOwned(
  client: PoolClient,
  caller: Caller,
  id: string,
  changes: MemoryChanges,
  embedding: readonly number[] | undefined,
): Promise<Memory | undefined> {
  const { rows } = await client.query<MemoryRow>(
    `UPDATE ${MEMORIES_TABLE} SET
       content = CASE WHEN $4::vector IS NULL THEN content ELSE $5 END,
       embedding = COALESCE($4::vector, embedding),
       type = COALESCE($6, type),
       importance = COALESCE($7, importance),
       tags = COALESCE($8::text[], tags),
       updated_at = now()
     WHERE id = $1 AND ${ownedBy('$2', '$3')}
     RETURNING ${COLUMNS}`,
    [
      id,
      caller.userId,
      caller.orgId,
      embedding ? vectorLiteral(embedding) : null,
      embedding ? changes.content : null,
      changes.type ?? null,
      changes.importance ?? null,
      changes.tags ?? null,
    ],
  );
  return rows[0] && toMemory(rows[0]);
}

export async function deleteOwned(client: PoolClient, caller: Caller, id: string): Promise<boolean> {
  const { rowCount } = await client.query(`DELETE FROM ${MEMORIES_TABLE} WHERE id = $1 AND ${ownedBy('$2', '$3')}`, [
    id,
    caller.userId,
    caller.orgId,
  ]);
  return rowCount === 1;
}

export interface SearchOptions {
  readonly limit: number;
  readonly minSimilarity?: number;
  readonly types?: readonly string[];
}

/**
 * Nearest visible memories. The inner query orders by `embedding <=> $1` with a LIMIT, the
 * shape the HNSW index serves; iterative scanning (pgvector 0.8) keeps the index walking
 * until enough rows pass the visibility filter. relaxed_order may return neighbours slightly
 * out of order, so the outer query sorts again (`distance + 0`: on the bare column the planner
 * would trust the inner ORDER BY and skip the sort, as pgvector's docs warn) and applies
 * minSimilarity.
 */
export const SEARCH_SQL = `
WITH nearest AS MATERIALIZED (
  SELECT ${COLUMNS}, embedding <=> $1::vector AS distance
  FROM ${MEMORIES_TABLE}
  WHERE ${visibleTo('$2', '$3')} AND ($4::text[] IS NULL OR type = ANY($4::text[]))
  ORDER BY embedding <=> $1::vector
  LIMIT $5
)
SELECT * FROM nearest WHERE $6::float8 IS NULL OR distance <= $6::float8 ORDER BY distance + 0, id`;

/** The candidate list HNSW keeps while searching: at least the result size, pgvector's 40 otherwise. */
export const efSearch = (limit: number) => Math.max(40, limit * 2);

/** SET LOCAL equivalents (is_local = true), so they end with the search's transaction. $1: ef_search. */
export const SEARCH_SETTINGS_SQL =
  "SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)";

export function searchParameters(caller: Caller, embedding: readonly number[], options: SearchOptions): unknown[] {
  return [
    vectorLiteral(embedding),
    caller.userId,
    caller.orgId,
    options.types ?? null,
    options.limit,
    options.minSimilarity === undefined ? null : 1 - options.minSimilarity,
  ];
}

export async function searchVisible(
  client: PoolClient,
  caller: Caller,
  embedding: readonly number[],
  options: SearchOptions,
): Promise<MemorySearchHit[]> {
  return inTransaction(client, async () => {
    await client.query(SEARCH_SETTINGS_SQL, [String(efSearch(options.limit))]);
    const { rows } = await client.query<MemoryRow & { distance: number }>(SEARCH_SQL, searchParameters(caller, embedding, options));
    return rows.map((row) => ({ ...toMemory(row), similarity: 1 - row.distance }));
  });
}

export interface ListOptions {
  readonly limit: number;
  readonly cursor?: ListCursor;
  readonly types?: readonly string[];
}

/** A keyset page: `limit + 1` rows were read, so one more than fits says there are more. */
function toPage(rows: readonly (MemoryRow & { created_micros: string })[], limit: number): { memories: Memory[]; last?: ListCursor; more: boolean } {
  const page = rows.slice(0, limit);
  const lastRow = page[page.length - 1];
  return {
    memories: page.map(toMemory),
    last: lastRow && { createdMicros: lastRow.created_micros, id: lastRow.id },
    more: rows.length > limit,
  };
}

/** Newest first, keyset-paginated on (created_at, id); one extra row tells whether a next page exists. */
export async function listVisible(
  client: PoolClient,
  caller: Caller,
  options: ListOptions,
): Promise<{ memories: Memory[]; last?: ListCursor; more: boolean }> {
  const { rows } = await client.query<MemoryRow & { created_micros: string }>(
    `SELECT ${COLUMNS}, (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros
     FROM ${MEMORIES_TABLE}
     WHERE ${visibleTo('$1', '$2')}
       AND ($3::text[] IS NULL OR type = ANY($3::text[]))
       AND ($4::bigint IS NULL OR (created_at, id) < (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::uuid))
     ORDER BY created_at DESC, id DESC
     LIMIT $6`,
    [caller.userId, caller.orgId, options.types ?? null, options.cursor?.createdMicros ?? null, options.cursor?.id ?? null, options.limit + 1],
  );
  return toPage(rows, options.limit);
}

/**
 * The memories the caller created, in every scope (a user's data export): newest first,
 * keyset-paginated on (created_at, id), with how many there are in all.
 */
export async function listOwned(
  client: PoolClient,
  caller: Caller,
  options: { readonly limit: number; readonly cursor?: ListCursor },
): Promise<{ memories: Memory[]; last?: ListCursor; more: boolean; total: number }> {
  // One snapshot for the page and the total, so they agree.
  return inTransaction(client, async () => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const { rows } = await client.query<MemoryRow & { created_micros: string }>(
      `SELECT ${COLUMNS}, (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros
       FROM ${MEMORIES_TABLE}
       WHERE ${ownedBy('$1', '$2')}
         AND ($3::bigint IS NULL OR (created_at, id) < (timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::uuid))
       ORDER BY created_at DESC, id DESC
       LIMIT $5`,
      [caller.userId, caller.orgId, options.cursor?.createdMicros ?? null, options.cursor?.id ?? null, options.limit + 1],
    );
    const { rows: counted } = await client.query<{ total: string }>(
      `SELECT count(*) AS total FROM ${MEMORIES_TABLE} WHERE ${ownedBy('$1', '$2')}`,
      [caller.userId, caller.orgId],
    );
    return { ...toPage(rows, options.limit), total: Number(counted[0].total) };
  });
}

/** Delete up to `batch` of the memories the caller created (one statement, so all of the batch or none). */
export async function eraseOwned(client: PoolClient, caller: Caller, batch: number): Promise<number> {
  const { rowCount } = await client.query(
    `DELETE FROM ${MEMORIES_TABLE} WHERE id IN (SELECT id FROM ${MEMORIES_TABLE} WHERE ${ownedBy('$1', '$2')} LIMIT $3)`,
    [caller.userId, caller.orgId, batch],
  );
  return rowCount ?? 0;
}
