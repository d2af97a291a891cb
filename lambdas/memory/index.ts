import { bedrockClient } from '../shared/clients/bedrock';
import { dynamoDocumentClient } from '../shared/clients/dynamodb';
import { secretsManagerClient } from '../shared/clients/secrets-manager';
import { memoryEvent } from '../shared/contract';
import { databaseFromEnvironment } from '../shared/database/from-environment';
import { directInvoke, lambdaHandler, remainingTimeMs } from '../shared/handler';
import { embeddingDimensions, titanEmbedder } from './embeddings';
import { executeMemoryRequest, type MemoryDependencies } from './service';

/** Kept back from the wait for a database connection, for the queries and the response. */
const RESERVE_MS = 5_000;

/** `{"action":"create"|"search"|"get"|"update"|"delete"|"list"|"export"|"erase","payload":{...,"userId","orgId"}}`. */
export const handler = lambdaHandler(
  'memory',
  (env) => ({
    database: databaseFromEnvironment(env, secretsManagerClient(), {
      max: 2,
      connectionTimeoutMs: 10_000,
      statementTimeoutMs: 10_000,
      idleTimeoutMs: 60_000,
      applicationName: 'fable-memory',
    }),
    embed: titanEmbedder(bedrockClient(), { modelId: env.EMBEDDING_MODEL_ID, dimensions: embeddingDimensions(env.EMBEDDING_DIMENSIONS) }),
    // Through the VPC's DynamoDB gateway endpoint (the private subnets' route tables).
    audit: { dynamo: dynamoDocumentClient(), tableName: env.AUDIT_TABLE },
  }),
  directInvoke(memoryEvent, (request, deps: Omit<MemoryDependencies, 'connectBudgetMs'>, context) =>
    executeMemoryRequest(request, { ...deps, connectBudgetMs: () => remainingTimeMs('memory', context, RESERVE_MS) }),
  ),
);
