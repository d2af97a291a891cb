import * as z from 'zod';
import { secretsManagerClient } from '../shared/clients/secrets-manager';
import { intSetting } from '../shared/config';
import { dbInitEvent, functionTimeoutMs, type LambdaEnvironment } from '../shared/contract';
import { assertEmbeddingDimensions } from '../shared/contract/migrations';
import type { Database } from '../shared/database/database';
import { databaseFromEnvironment } from '../shared/database/from-environment';
import { directInvoke, lambdaHandler, remainingTimeMs } from '../shared/handler';
import { runDbInit } from './actions';

/** Kept back from the function timeout: for answering, and for the migrations after waiting for the database. */
const RESERVE_MS = 60_000;
/** Index builds on a grown table take a while: a statement may run until the reserve before the function times out. */
export const STATEMENT_TIMEOUT_MS = functionTimeoutMs('db-init') - RESERVE_MS;

interface DbInitDeps {
  readonly database: Database;
  readonly dimensions: number;
}

function dbInitDeps(env: LambdaEnvironment<'db-init'>): DbInitDeps {
  const dimensions = intSetting(env.EMBEDDING_DIMENSIONS, 'EMBEDDING_DIMENSIONS');
  assertEmbeddingDimensions(dimensions);
  const database = databaseFromEnvironment(env, secretsManagerClient(), {
    max: 1,
    connectionTimeoutMs: 10_000,
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    idleTimeoutMs: 10_000,
    applicationName: 'fable-db-init',
  });
  return { database, dimensions };
}

const invokeDbInit = directInvoke(dbInitEvent, (request, deps: DbInitDeps, context) =>
  runDbInit(request.action, deps.database, deps.dimensions, remainingTimeMs('db-init', context, RESERVE_MS)),
);

/** Read apart from validation, so even a rejected event from Terraform fails the deploy. */
const failOnError = z.object({ failOnError: z.literal(true) });

/**
 * `{"action?":"migrate"|"check","failOnError?":boolean}` from Terraform (on deploy) or an
 * operator. With failOnError a failed run throws, so the deploy that ran it fails.
 */
export const handler = lambdaHandler('db-init', dbInitDeps, async (event, deps, context) => {
  const response = await invokeDbInit(event, deps, context);
  if (!response.success && failOnError.safeParse(event).success) {
    throw new Error(`db-init failed: ${response.error.code}: ${response.error.message}`);
  }
  return response;
});
