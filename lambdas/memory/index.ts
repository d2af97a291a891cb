import { lambdaConfig } from '../shared/config';
import type { DirectResponse } from '../shared/contract';
import { bedrockClient } from '../shared/clients/bedrock';
import { secretsManagerClient } from '../shared/clients/secrets-manager';
import { once } from '../shared/clients/once';
import { respond } from '../shared/responses';
import { databaseFromEnvironment } from '../shared/database/from-environment';
import { retryBudgetMs, type InvocationContext } from '../shared/database/deadline';
import { embeddingDimensions, titanEmbedder } from './embeddings';
import { parseMemoryEvent } from './requests';
import { executeMemoryRequest, type MemoryResult } from './service';

/** Kept back from retry windows for the queries and the response (function timeout: 30 s). */
const RESERVE_MS = 5_000;

/** Config, pool and clients: created at the first invocation, reused by the container after. */
const runtime = once(() => {
  const config = lambdaConfig('memory');
  const embedding = { modelId: config.EMBEDDING_MODEL_ID, dimensions: embeddingDimensions(config.EMBEDDING_DIMENSIONS) };
  const database = databaseFromEnvironment(config, secretsManagerClient(), {
    max: 2,
    connectionTimeoutMs: 10_000,
    statementTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
    applicationName: 'fable-memory',
  });
  return { database, embedding };
});

/** `{"action":"create"|"search"|"get"|"update"|"delete"|"list","payload":{...,"userId","orgId"}}`. */
export async function handler(event: unknown, context: InvocationContext): Promise<DirectResponse<MemoryResult>> {
  const { database, embedding } = runtime();
  return respond(async () => {
    const request = parseMemoryEvent(event);
    const budget = () => retryBudgetMs(context, RESERVE_MS);
    return executeMemoryRequest(request, {
      database,
      embed: titanEmbedder(bedrockClient(), embedding, { deadlineMs: budget }),
      connectBudgetMs: budget,
    });
  });
}
