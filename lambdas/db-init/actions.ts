import type { Database } from '../shared/database/database';
import { checkSchema, migrate, type MigrateResult, type SchemaCheck } from './migrator';

export type DbInitAction = 'migrate' | 'check';

export type DbInitResult = ({ action: 'migrate' } & MigrateResult) | ({ action: 'check' } & SchemaCheck);

export async function runDbInit(
  action: DbInitAction,
  database: Database,
  dimensions: number,
  deadlineMs: number,
): Promise<DbInitResult> {
  return database.withClient(deadlineMs, async (client) =>
    action === 'migrate'
      ? { action, ...(await migrate(client, dimensions)) }
      : { action, ...(await checkSchema(client)) },
  );
}
