import type { DbInitEvent } from '../shared/contract';
import type { Database } from '../shared/database/database';
import { isObject } from '../shared/validation';
import { badRequest } from '../shared/responses';
import { checkSchema, migrate, type MigrateResult, type SchemaCheck } from './migrator';

export const DB_INIT_ACTIONS = ['migrate', 'check'] as const;
export type DbInitAction = (typeof DB_INIT_ACTIONS)[number];

export type DbInitResult = ({ action: 'migrate' } & MigrateResult) | ({ action: 'check' } & SchemaCheck);

/** The action a db-init event asks for: no event or `{}` means migrate. */
export function parseDbInitEvent(event: unknown): DbInitAction {
  if (event === undefined || event === null) return 'migrate';
  if (!isObject(event)) throw badRequest('event must be an object');
  const { action = 'migrate', failOnError = false } = event as Partial<Record<keyof DbInitEvent, unknown>>;
  if (typeof action !== 'string' || !(DB_INIT_ACTIONS as readonly string[]).includes(action)) {
    throw badRequest(`action must be one of ${DB_INIT_ACTIONS.join(', ')}`);
  }
  if (typeof failOnError !== 'boolean') throw badRequest('failOnError must be a boolean');
  return action as DbInitAction;
}

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
