/**
 * Environment variable names: the single list shared by the infrastructure (which sets them)
 * and the handlers (which read them). DESIGN.md section 4 fixes these names.
 */
export const ENV = {
  CONNECTIONS_TABLE: 'CONNECTIONS_TABLE',
  CONVERSATIONS_TABLE: 'CONVERSATIONS_TABLE',
  BUILDS_TABLE: 'BUILDS_TABLE',
  TOOLS_TABLE: 'TOOLS_TABLE',
  CONNECTION_TTL_SECONDS: 'CONNECTION_TTL_SECONDS',
  WEBSOCKET_ENDPOINT: 'WEBSOCKET_ENDPOINT',
  ROUTER_MODEL_ID: 'ROUTER_MODEL_ID',
  CHAT_MODEL_ID: 'CHAT_MODEL_ID',
  CHAT_FUNCTION_NAME: 'CHAT_FUNCTION_NAME',
  BUILD_KICKOFF_FUNCTION_NAME: 'BUILD_KICKOFF_FUNCTION_NAME',
  MEMORY_FUNCTION_NAME: 'MEMORY_FUNCTION_NAME',
  DB_SECRET_ARN: 'DB_SECRET_ARN',
  DB_HOST: 'DB_HOST',
  DB_PORT: 'DB_PORT',
  DB_NAME: 'DB_NAME',
  DB_SSL: 'DB_SSL',
  EMBEDDING_MODEL_ID: 'EMBEDDING_MODEL_ID',
  EMBEDDING_DIMENSIONS: 'EMBEDDING_DIMENSIONS',
  ARTIFACTS_BUCKET: 'ARTIFACTS_BUCKET',
  TOOL_ROLE_ARN: 'TOOL_ROLE_ARN',
  TOOL_FUNCTION_PREFIX: 'TOOL_FUNCTION_PREFIX',
  TOOL_RUNTIME: 'TOOL_RUNTIME',
  TOOL_BOUNDARY_ARN: 'TOOL_BOUNDARY_ARN',
  TOOL_LOG_RETENTION_DAYS: 'TOOL_LOG_RETENTION_DAYS',
  STATE_MACHINE_ARN: 'STATE_MACHINE_ARN',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Which variables each Lambda receives (and may read); nothing else configures a handler. */
export const LAMBDA_ENV = {
  'connection-manager': [ENV.CONNECTIONS_TABLE, ENV.CONNECTION_TTL_SECONDS],
  router: [
    ENV.CONNECTIONS_TABLE,
    ENV.WEBSOCKET_ENDPOINT,
    ENV.ROUTER_MODEL_ID,
    ENV.CHAT_FUNCTION_NAME,
    ENV.BUILD_KICKOFF_FUNCTION_NAME,
    ENV.MEMORY_FUNCTION_NAME,
  ],
  chat: [
    ENV.CONNECTIONS_TABLE,
    ENV.CONVERSATIONS_TABLE,
    ENV.TOOLS_TABLE,
    ENV.WEBSOCKET_ENDPOINT,
    ENV.CHAT_MODEL_ID,
    ENV.MEMORY_FUNCTION_NAME,
  ],
  memory: [
    ENV.DB_SECRET_ARN,
    ENV.DB_HOST,
    ENV.DB_PORT,
    ENV.DB_NAME,
    ENV.DB_SSL,
    ENV.EMBEDDING_MODEL_ID,
    ENV.EMBEDDING_DIMENSIONS,
  ],
  'db-init': [ENV.DB_SECRET_ARN, ENV.DB_HOST, ENV.DB_PORT, ENV.DB_NAME, ENV.DB_SSL, ENV.EMBEDDING_DIMENSIONS],
  'tool-deployer': [
    ENV.TOOLS_TABLE,
    ENV.ARTIFACTS_BUCKET,
    ENV.TOOL_ROLE_ARN,
    ENV.TOOL_FUNCTION_PREFIX,
    ENV.TOOL_RUNTIME,
    ENV.TOOL_BOUNDARY_ARN,
    ENV.TOOL_LOG_RETENTION_DAYS,
  ],
  'build-kickoff': [ENV.BUILDS_TABLE, ENV.ARTIFACTS_BUCKET, ENV.STATE_MACHINE_ARN],
  'update-build-status': [ENV.BUILDS_TABLE, ENV.CONNECTIONS_TABLE, ENV.WEBSOCKET_ENDPOINT],
} as const satisfies Record<string, readonly EnvName[]>;

export type LambdaName = keyof typeof LAMBDA_ENV;

/** The eight Lambdas of DESIGN.md section 4, in a stable order. */
export const LAMBDA_NAMES = Object.keys(LAMBDA_ENV) as LambdaName[];

/** The environment one Lambda is given: exactly its variables, each a string. */
export type LambdaEnvironment<N extends LambdaName> = Record<(typeof LAMBDA_ENV)[N][number], string>;
