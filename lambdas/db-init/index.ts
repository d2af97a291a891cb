import { lambdaConfig, intSetting } from '../shared/config';
import type { DirectResponse } from '../shared/contract';
import { assertEmbeddingDimensions } from '../shared/contract/migrations';
import { secretsManagerClient } from '../shared/clients/secrets-manager';
import { once } from '../shared/clients/once';
import { respond } from '../shared/responses';
import { isObject } from '../shared/validation';
import { databaseFromEnvironment } from '../shared/database/from-environment';
import { retryBudgetMs, type InvocationContext } from '../shared/database/deadline';
import { parseDbInitEvent, runDbInit, type DbInitResult } from './actions';

/** Index builds on a grown table take a while; the function timeout (300 s) stays above this. */
const STATEMENT_TIMEOUT_MS = 240_000;
/** Kept back from the retry window for the migrations themselves. */
const RESERVE_MS = 60_000;

const runtime = once(() => {
  const config = lambdaConfig('db-init');
  const dimensions = intSetting(config.EMBEDDING_DIMENSIONS, 'EMBEDDING_DIMENSIONS');
  assertEmbeddingDimensions(dimensions);
  const database = databaseFromEnvironment(config, secretsManagerClient(), {
    max: 1,
    connectionTimeoutMs: 10_000,
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    idleTimeoutMs: 10_000,
    applicationName: 'fable-db-init',
  });
  return { database, dimensions };
});

/**
 * `{"action?":"migrate"|"check","failOnError?":boolean}` from Terraform (on deploy) or an
 * operator. With failOnError a failed run throws, so the deploy that ran it fails.
 */
export async function handler(event: unknown, context: InvocationContext): Promise<DirectResponse<DbInitResult>> {
  const { database, dimensions } = runtime();
  const response = await respond(async () =>
    runDbInit(parseDbInitEvent(event), database, dimensions, retryBudgetMs(context, RESERVE_MS)),
  );
  // Read apart from validation, so even a rejected event from Terraform fails the deploy.
  const failOnError = isObject(event) && event.failOnError === true;
  if (!response.success && failOnError) {
    throw new Error(`db-init failed: ${response.error.code}: ${response.error.message}`);
  }
  return response;
}
