import type { PoolClient } from 'pg';
import {
  MEMORIES_HNSW_INDEX,
  MEMORIES_TABLE,
  MIGRATIONS,
  migrationChecksum,
  migrationSql,
  type Migration,
} from '../shared/contract/migrations';
import { inTransaction } from '../shared/database/database';
import { conflict, describeError, HandlerError } from '../shared/responses';
import { log } from '../shared/telemetry';

/**
 * Any fixed number, the same in every db-init: the transaction-scoped advisory lock that keeps
 * two concurrent runs (a deploy and an operator) from applying the same migration twice.
 */
export const MIGRATION_LOCK_KEY = 7_305_512_001;

const CREATE_HISTORY = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: string;
}

export interface MigrateResult {
  /** Migrations this run applied, in order (empty when the schema was already current). */
  readonly applied: { readonly version: number; readonly name: string }[];
  readonly schemaVersion: number;
}

export interface SchemaCheck {
  readonly applied: AppliedMigration[];
  readonly pending: { readonly version: number; readonly name: string }[];
  readonly tables: string[];
  readonly hnswIndex: boolean;
  /** Dimension of memories.embedding, or null before the table exists. */
  readonly embeddingDimensions: number | null;
}

/** Serialize with any other migrate run until this transaction ends. */
const lock = (client: PoolClient) => client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);

/**
 * Apply every pending migration in order, each in its own transaction under the advisory lock,
 * recording it in schema_migrations. An already-applied migration whose definition changed is
 * a CONFLICT: applied migrations are immutable, a change is a new version.
 */
export async function migrate(
  client: PoolClient,
  dimensions: number,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  await inTransaction(client, async () => {
    await lock(client);
    await client.query(CREATE_HISTORY);
  });
  const applied: MigrateResult['applied'] = [];
  for (const migration of migrations) {
    const checksum = migrationChecksum(migration, dimensions);
    const ran = await inTransaction(client, async () => {
      await lock(client);
      // Read under the lock: a concurrent run may have applied it while this one waited.
      const existing = await client.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE version = $1',
        [migration.version],
      );
      if (existing.rows.length > 0) {
        if (existing.rows[0].checksum !== checksum) {
          throw conflict(
            `Migration ${migration.version} (${migration.name}) was applied with a different definition ` +
              '(edited migration or changed EMBEDDING_DIMENSIONS); add a new migration instead.',
          );
        }
        return false;
      }
      await runMigration(client, migration, dimensions);
      await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        checksum,
      ]);
      return true;
    });
    if (ran) applied.push({ version: migration.version, name: migration.name });
  }
  return { applied, schemaVersion: Math.max(0, ...migrations.map((m) => m.version)) };
}

async function runMigration(client: PoolClient, migration: Migration, dimensions: number): Promise<void> {
  try {
    await client.query(migrationSql(migration, dimensions));
  } catch (error) {
    // The SQL error goes to the logs; the response names the migration without driver details.
    log.error('migration failed', { version: migration.version, error: describeError(error) });
    throw new HandlerError('INTERNAL', `Migration ${migration.version} (${migration.name}) failed; see the db-init logs.`);
  }
}

/** What is applied and what exists, without changing anything. */
export async function checkSchema(client: PoolClient, migrations: readonly Migration[] = MIGRATIONS): Promise<SchemaCheck> {
  const tables = (
    await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
  ).rows.map((r) => r.table_name);
  const history = tables.includes('schema_migrations')
    ? (
        await client.query<{ version: number; name: string; applied_at: Date }>(
          'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
        )
      ).rows
    : [];
  const appliedVersions = new Set(history.map((r) => r.version));
  const index = await client.query(
    "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 AND indexname = $2 AND indexdef ILIKE '%USING hnsw%'",
    [MEMORIES_TABLE, MEMORIES_HNSW_INDEX],
  );
  // atttypmod of a vector(n) column is n.
  const dimension = await client.query<{ dimensions: number }>(
    `SELECT a.atttypmod AS dimensions FROM pg_attribute a
     WHERE a.attrelid = to_regclass($1) AND a.attname = 'embedding' AND NOT a.attisdropped`,
    [MEMORIES_TABLE],
  );
  return {
    applied: history.map((r) => ({ version: r.version, name: r.name, appliedAt: r.applied_at.toISOString() })),
    pending: migrations.filter((m) => !appliedVersions.has(m.version)).map((m) => ({ version: m.version, name: m.name })),
    tables,
    hnswIndex: index.rows.length > 0,
    embeddingDimensions: dimension.rows[0]?.dimensions ?? null,
  };
}
