import { createHash } from 'node:crypto';

/**
 * The Aurora schema (DESIGN.md section 5) as ordered, versioned migrations. Pure data: db-init
 * applies them, and the stack hashes them (`migrationsFingerprint`) so a deploy whose
 * migrations changed re-runs db-init. Applied migrations are never edited: db-init refuses to
 * run when an applied one's checksum no longer matches (a schema change is a new version).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** The SQL for a given embedding size (only the memories table depends on it). */
  readonly sql: (dimensions: number) => string;
}

/** pgvector cannot build an HNSW index over more dimensions than this. */
export const MAX_HNSW_DIMENSIONS = 2000;

export const MEMORIES_TABLE = 'memories';
export const MEMORIES_HNSW_INDEX = 'memories_embedding_hnsw';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'vector-extension',
    sql: () => 'CREATE EXTENSION IF NOT EXISTS vector;',
  },
  {
    version: 2,
    name: 'memories-table',
    sql: (dimensions) => `
CREATE TABLE ${MEMORIES_TABLE} (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id text NOT NULL,
  org_id text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('user', 'org', 'global')),
  type text NOT NULL,
  content text NOT NULL,
  embedding vector(${dimensions}) NOT NULL,
  importance real NOT NULL DEFAULT 0.5 CHECK (importance >= 0 AND importance <= 1),
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One partial index per visibility rule, so each branch of the visibility filter is an index scan.
CREATE INDEX memories_user_idx ON ${MEMORIES_TABLE} (user_id, org_id) WHERE scope = 'user';
CREATE INDEX memories_org_idx ON ${MEMORIES_TABLE} (org_id) WHERE scope = 'org';
CREATE INDEX memories_scope_idx ON ${MEMORIES_TABLE} (scope);`,
  },
  {
    version: 3,
    name: 'memories-embedding-hnsw',
    // pgvector's defaults, spelled out so the index definition is visible in the migration.
    sql: () =>
      `CREATE INDEX ${MEMORIES_HNSW_INDEX} ON ${MEMORIES_TABLE} USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);`,
  },
];

export function assertEmbeddingDimensions(dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_HNSW_DIMENSIONS) {
    throw new Error(`Embedding dimensions must be an integer from 1 to ${MAX_HNSW_DIMENSIONS}, got ${dimensions}.`);
  }
}

/** The SQL of one migration for this embedding size. */
export function migrationSql(migration: Migration, dimensions: number): string {
  assertEmbeddingDimensions(dimensions);
  return migration.sql(dimensions).trim();
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Recorded with each applied migration; a mismatch later means the migration was edited. */
export function migrationChecksum(migration: Migration, dimensions: number): string {
  return sha256(`${migration.version}\n${migration.name}\n${migrationSql(migration, dimensions)}`);
}

/** One hash over every migration: the stack's trigger for re-running db-init on deploy. */
export function migrationsFingerprint(dimensions: number, migrations: readonly Migration[] = MIGRATIONS): string {
  return sha256(migrations.map((m) => migrationChecksum(m, dimensions)).join('\n'));
}
