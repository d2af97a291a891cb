/**
 * The real memory handler on PGlite (migrated), with Secrets Manager and Titan mocked, for tests
 * that call memory directly or put it behind another Lambda's invoke (user-data's exports and
 * erasures). Its audit trail is the AUDIT_TABLE of the environment the caller sets up.
 */
import type { Client } from 'pg';
import { mockClient } from 'aws-sdk-client-mock';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { handler } from '../../lambdas/memory';
import { migrate } from '../../lambdas/db-init/migrator';
import type { DirectResponse, MemoryEvent, MemoryResponses } from '../../lambdas/shared/contract';
import { startPglite, PGLITE_USER, type PgliteServer } from '../../scripts/local/pglite';
import { titanResponse } from './fake-embeddings';
import { lambdaContext } from './lambda-events';
import { TELEMETRY_ENV } from './telemetry';

const SECRET_ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!cluster-abc-123456';
export const DIMENSIONS = 256;

export interface MemoryHandler {
  readonly server: PgliteServer;
  /** For setup and assertions on the memories table. */
  readonly db: Client;
  /** The handler, as Lambda runs it. */
  invoke(event: unknown): Promise<DirectResponse>;
  /** The success body of one action, failing the test with the error otherwise. */
  ok<A extends keyof MemoryResponses>(event: Extract<MemoryEvent, { action: A }>): Promise<MemoryResponses[A]>;
  stop(): Promise<void>;
}

export async function startMemoryHandler(): Promise<MemoryHandler> {
  const server = await startPglite();
  const db = await server.client();
  await migrate(db as never, DIMENSIONS);
  Object.assign(process.env, server.env, {
    ...TELEMETRY_ENV,
    DB_SECRET_ARN: SECRET_ARN,
    EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
    EMBEDDING_DIMENSIONS: String(DIMENSIONS),
  });
  const bedrock = mockClient(BedrockRuntimeClient).on(InvokeModelCommand).callsFake(titanResponse);
  const secrets = mockClient(SecretsManagerClient)
    .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
    .resolves({ SecretString: JSON.stringify({ username: PGLITE_USER, password: 'from-secrets-manager' }) });
  const invoke = (event: unknown) => handler(event, lambdaContext(30_000, 'fable-test-memory'));
  return {
    server,
    db,
    invoke,
    ok: async (event) => {
      const response = await invoke(event);
      if (!response.success) throw new Error(`memory ${event.action} failed: ${JSON.stringify(response.error)}`);
      const { success: _success, ...body } = response;
      return body as never;
    },
    stop: async () => {
      bedrock.restore();
      secrets.restore();
      await server.stop();
    },
  };
}
