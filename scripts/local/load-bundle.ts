import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PROJECT_ROOT, type LambdaBundle } from '../../src/bundling/lambda-bundle';
import { LAMBDA_ENV, type EnvName } from '../../lambdas/shared/contract';
import { extractZip } from './unzip';

const run = promisify(execFile);

/** The Lambdas' runtime major, pinned in the project (the machine's own node may differ). */
export const NODE_24 = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');

/** Values shaped like the ones the stack sets, so a handler that checks its config at cold start loads. */
const SAMPLE_ENVIRONMENT: Record<EnvName, string> = {
  STAGE: 'test',
  LOG_LEVEL: 'INFO',
  CONNECTIONS_TABLE: 'fable-test-connections',
  CONVERSATIONS_TABLE: 'fable-test-conversations',
  BUILDS_TABLE: 'fable-test-builds',
  BUILDS_PAUSED: 'false',
  TOOLS_TABLE: 'fable-test-tools',
  CONNECTION_TTL_SECONDS: '7200',
  WEBSOCKET_ENDPOINT: 'https://abc123.execute-api.us-west-2.amazonaws.com/test',
  ROUTER_MODEL_ID: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  CHAT_MODEL_ID: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  CHAT_FUNCTION_NAME: 'fable-test-chat',
  BUILD_KICKOFF_FUNCTION_NAME: 'fable-test-build-kickoff',
  MEMORY_FUNCTION_NAME: 'fable-test-memory',
  USER_DATA_FUNCTION_NAME: 'fable-test-user-data',
  AUDIT_TABLE: 'fable-test-audit',
  QUOTAS_TABLE: 'fable-test-quotas',
  QUOTA_LIMITS: JSON.stringify({
    messagesPerMinute: 20,
    messageBurst: 10,
    dailyTokensPerUser: 200000,
    dailyTokensPerOrg: 1000000,
    concurrentBuildsPerOrg: 2,
    buildsPerUserPerDay: 10,
  }),
  BUILD_SLOT_SECONDS: '7200',
  DB_SECRET_ARN: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:fable-test-db-AbCdEf',
  DB_HOST: 'fable-test.cluster-abc.us-west-2.rds.amazonaws.com',
  DB_PORT: '5432',
  DB_NAME: 'fable',
  DB_SSL: 'verify-full',
  EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
  EMBEDDING_DIMENSIONS: '1024',
  ARTIFACTS_BUCKET: 'fable-test-artifacts-123456789012',
  TOOL_ROLE_ARN: 'arn:aws:iam::123456789012:role/fable-test-tool-execution',
  TOOL_FUNCTION_PREFIX: 'fable-test-tool-',
  TOOL_RUNTIME: 'nodejs24.x',
  TOOL_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/fable-test-tool-boundary',
  TOOL_LOG_RETENTION_DAYS: '14',
  TOOL_RESERVED_CONCURRENCY: '5',
  STATE_MACHINE_ARN: 'arn:aws:states:us-west-2:123456789012:stateMachine:fable-test-build-pipeline',
  USER_POOL_ID: 'us-west-2_AbCdEf123',
  USER_POOL_CLIENT_ID: '1example23456789abcdefghij',
  ALLOW_ANONYMOUS: 'false',
};

export interface LoadedBundle {
  /** `typeof handler` as the fresh process saw it. */
  readonly handlerType: string;
  readonly loadMs: number;
  /** With `invoke`: the handler's rejection message, or `answered`. */
  readonly invocation?: string;
}

export interface LoadOptions {
  /** Set the function's environment variables (the default), or none of them. */
  readonly environment?: boolean;
  /** An event to call the loaded handler with once. */
  readonly invoke?: unknown;
}

/**
 * Unzip a bundle into an empty directory outside the project (so nothing resolves from the
 * project's node_modules) and load it in a fresh Node 24 process the way the runtime does:
 * `import()` for ESM, `require` for CJS, with the function's environment variables set.
 */
export async function loadBundle(
  bundle: Pick<LambdaBundle, 'zipPath' | 'format' | 'name'>,
  options: LoadOptions = {},
): Promise<LoadedBundle> {
  const directory = mkdtempSync(join(tmpdir(), `fable-load-${bundle.name}-`));
  extractZip(readFileSync(bundle.zipPath), directory);
  const file = join(directory, bundle.format === 'esm' ? 'index.mjs' : 'index.js');
  const load =
    bundle.format === 'esm'
      ? `const started = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(file).href)});`
      : `const started = performance.now(); const m = require(${JSON.stringify(file)});`;
  const loaded = 'const loadMs = performance.now() - started;';
  const invoked =
    options.invoke === undefined
      ? 'const invocation = undefined;'
      : `const invocation = await m.handler(${JSON.stringify(options.invoke)}).then(() => 'answered', (e) => e.message);`;
  const report = 'console.log(JSON.stringify({ handlerType: typeof m.handler, loadMs, invocation }));';
  const body = `${load} ${loaded} ${invoked} ${report}`;
  // CommonJS has no top-level await.
  const script = bundle.format === 'esm' ? body : `(async () => { ${body} })();`;
  const names: readonly EnvName[] = options.environment === false ? [] : LAMBDA_ENV[bundle.name];
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-west-2',
    AWS_LAMBDA_FUNCTION_NAME: `fable-test-${bundle.name}`,
    NODE_OPTIONS: '--enable-source-maps',
    ...Object.fromEntries(names.map((name) => [name, SAMPLE_ENVIRONMENT[name]])),
  };
  const { stdout } = await run(NODE_24, bundle.format === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script], {
    cwd: directory,
    env,
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadedBundle;
}
