/**
 * What each Lambda uses, declared once: an environment variable name, the resource it names and
 * exactly the access the handler's code needs. The infrastructure reads this list to set each
 * variable and grant each permission (one binding = env var + grant), the handlers read the same
 * variable names, and the role-vs-code test checks every call a handler makes against it.
 * Pure data: both `src/` and `lambdas/` import it.
 */
import type { TableComponent } from './tables';

/** DynamoDB actions on a table (a TransactWriteItems is authorized per item action). */
export type DynamoAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';
export type BedrockAction = 'InvokeModel' | 'InvokeModelWithResponseStream';
export type S3ObjectAction = 'GetObject' | 'PutObject' | 'DeleteObject';
/** Which configured model a binding names (StageConfig `models`). */
export type ModelUse = 'router' | 'chat' | 'embedding';
/** Key prefixes of the artifacts bucket (DESIGN.md section 5). */
export type ArtifactPrefix = 'builds/' | 'tools/' | 'exports/';
/**
 * The levels a stage may log at (StageConfig.logLevel, the `{ setting: 'logLevel' }` binding and the
 * functions' Lambda application log level). Metric records (EMF) carry no `level`, so Lambda counts
 * them as INFO: a stage filtering at WARN would drop its metrics, hence no WARN or ERROR here.
 */
export const LOG_LEVELS = ['DEBUG', 'INFO'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Stage settings handed to handlers as plain values: `stage` is the stage's name (the value of the
 * metrics' Stage dimension), `logLevel` the Powertools Logger level, `allowAnonymous` whether the door admits token-less connections,
 * `quotaLimits` the stage's spend caps (JSON of `StageConfig.quotas`), `buildSlotSeconds` how long an
 * unfinished build counts against its org at most (the pipeline's timeout).
 */
export type SettingName =
  | 'connectionTtlSeconds'
  | 'embeddingDimensions'
  | 'logRetentionDays'
  | 'lambdaRuntime'
  | 'stage'
  | 'logLevel'
  | 'allowAnonymous'
  | 'quotaLimits'
  | 'buildSlotSeconds'
  | 'buildsPaused'
  | 'toolReservedConcurrency';

export interface TableBinding {
  readonly table: TableComponent;
  /** Actions on the table itself (Query here means a query of the base table). */
  readonly actions: readonly DynamoAction[];
  /** Global secondary indexes the handler queries. */
  readonly queryIndexes?: readonly string[];
}
/** The function's name; the grant lets the handler invoke it (synchronously or not). */
export interface InvokeBinding {
  readonly invoke: FunctionTarget;
}
export interface ModelBinding {
  readonly model: ModelUse;
  readonly actions: readonly BedrockAction[];
}
/** The `https://.../<stage>` management endpoint; the grant lets the handler post to connections. */
export interface WebSocketBinding {
  readonly websocket: 'manage-connections';
}
export interface BucketBinding {
  readonly bucket: 'artifacts';
  /** Object actions under each prefix; `list` also lets the handler list the keys under it. */
  readonly objects: readonly { readonly prefix: ArtifactPrefix; readonly actions: readonly S3ObjectAction[]; readonly list?: boolean }[];
}
/**
 * Step Functions actions on the build pipeline: StartExecution on the machine, StopExecution on
 * its executions, and the task-token callbacks (which IAM cannot scope to a resource: the token
 * itself is the capability, so only the one Lambda that keeps tokens may send them).
 */
export type StateMachineAction = 'StartExecution' | 'StopExecution' | 'SendTaskSuccess' | 'SendTaskFailure';
export interface StateMachineBinding {
  readonly stateMachine: 'build-pipeline';
  readonly actions: readonly StateMachineAction[];
}
/** One connection detail of the Aurora cluster; only `secret` carries a grant (reading the master secret). */
export interface DatabaseBinding {
  readonly database: 'secret' | 'host' | 'port' | 'name' | 'ssl';
}
export interface SettingBinding {
  readonly setting: SettingName;
}
/** The Cognito user pool's id or its web app client's id; public values (verifying tokens needs no grant). */
export interface UserPoolBinding {
  readonly userPool: 'id' | 'client-id';
}
/**
 * Tool hosting: `functions` is the tool function name prefix, with the right to invoke tools
 * or to manage them; `execution-role` is the role tools run as (with the right to pass it to
 * Lambda); `boundary` is the permissions boundary's ARN.
 */
export type ToolsBinding =
  | { readonly tools: 'functions'; readonly access: 'invoke' | 'manage' }
  | { readonly tools: 'execution-role' }
  | { readonly tools: 'boundary' };

export type Binding =
  | TableBinding
  | InvokeBinding
  | ModelBinding
  | WebSocketBinding
  | BucketBinding
  | StateMachineBinding
  | DatabaseBinding
  | SettingBinding
  | UserPoolBinding
  | ToolsBinding;

/** Functions a binding may name (FABLE's own Lambdas). */
export type FunctionTarget = 'chat' | 'memory' | 'build-kickoff' | 'user-data';

const DATABASE = {
  DB_SECRET_ARN: { database: 'secret' },
  DB_HOST: { database: 'host' },
  DB_PORT: { database: 'port' },
  DB_NAME: { database: 'name' },
  DB_SSL: { database: 'ssl' },
} as const satisfies Record<string, DatabaseBinding>;

/**
 * What every Lambda's telemetry is configured with (lambdas/shared/telemetry.ts): the stage's name,
 * the metrics' Stage dimension, and its log level. FABLE's own names, read with the rest of the
 * configuration; Powertools' variables would be read at module load, outside that one path.
 */
const TELEMETRY = {
  STAGE: { setting: 'stage' },
  LOG_LEVEL: { setting: 'logLevel' },
} as const satisfies Record<string, SettingBinding>;

const WEBSOCKET = { websocket: 'manage-connections' } as const satisfies WebSocketBinding;

/**
 * Audit events are only ever added (a conditional put). The audit table denies every FABLE role
 * anything that could change or remove one (src/data/audit-table.ts), whatever a binding says.
 */
const AUDIT_WRITER = { table: 'audit', actions: ['PutItem'] } as const satisfies TableBinding;

/** The stage's spend caps, which operators' `LIMITS` items override (DESIGN.md section 10). */
const QUOTA_LIMITS = { setting: 'quotaLimits' } as const satisfies SettingBinding;

/**
 * Every Lambda's bindings, by environment variable (DESIGN.md section 4 fixes the names).
 * Adding "chat reads table X" is one line here plus the handler code.
 */
export const LAMBDA_BINDINGS = {
  'connection-manager': {
    ...TELEMETRY,
    CONNECTIONS_TABLE: { table: 'connections', actions: ['PutItem', 'DeleteItem'] },
    CONNECTION_TTL_SECONDS: { setting: 'connectionTtlSeconds' },
    AUDIT_TABLE: AUDIT_WRITER,
  },
  router: {
    ...TELEMETRY,
    // DeleteItem: a connection found gone while answering is removed.
    CONNECTIONS_TABLE: { table: 'connections', actions: ['GetItem', 'DeleteItem'] },
    WEBSOCKET_ENDPOINT: WEBSOCKET,
    ROUTER_MODEL_ID: { model: 'router', actions: ['InvokeModel'] },
    CHAT_FUNCTION_NAME: { invoke: 'chat' },
    BUILD_KICKOFF_FUNCTION_NAME: { invoke: 'build-kickoff' },
    MEMORY_FUNCTION_NAME: { invoke: 'memory' },
    USER_DATA_FUNCTION_NAME: { invoke: 'user-data' },
    // GetItem: overrides and today's token counters; UpdateItem: the message bucket and the classifier's tokens.
    QUOTAS_TABLE: { table: 'quotas', actions: ['GetItem', 'UpdateItem'] },
    QUOTA_LIMITS,
    AUDIT_TABLE: AUDIT_WRITER,
  },
  chat: {
    ...TELEMETRY,
    CONNECTIONS_TABLE: { table: 'connections', actions: ['DeleteItem'] },
    // DeleteItem: a request record given back after a transient fault (Powertools Idempotency).
    CONVERSATIONS_TABLE: { table: 'conversations', actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'] },
    TOOLS_TABLE: { table: 'tools', actions: [], queryIndexes: ['GSI1'] },
    WEBSOCKET_ENDPOINT: WEBSOCKET,
    CHAT_MODEL_ID: { model: 'chat', actions: ['InvokeModelWithResponseStream'] },
    MEMORY_FUNCTION_NAME: { invoke: 'memory' },
    TOOL_FUNCTION_PREFIX: { tools: 'functions', access: 'invoke' },
    AUDIT_TABLE: AUDIT_WRITER,
    // PutItem: the marker that records a request's model tokens once; UpdateItem: the token counters.
    QUOTAS_TABLE: { table: 'quotas', actions: ['PutItem', 'UpdateItem'] },
  },
  memory: {
    ...TELEMETRY,
    ...DATABASE,
    EMBEDDING_MODEL_ID: { model: 'embedding', actions: ['InvokeModel'] },
    EMBEDDING_DIMENSIONS: { setting: 'embeddingDimensions' },
    AUDIT_TABLE: AUDIT_WRITER,
  },
  'db-init': {
    ...TELEMETRY,
    ...DATABASE,
    EMBEDDING_DIMENSIONS: { setting: 'embeddingDimensions' },
  },
  'tool-deployer': {
    ...TELEMETRY,
    // Query: a tool's version history (SK VERSION#...), for rollback and undeploy.
    TOOLS_TABLE: { table: 'tools', actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'], queryIndexes: ['GSI1'] },
    // CreateFunction / UpdateFunctionCode from S3 read the bundle with the caller's credentials.
    ARTIFACTS_BUCKET: { bucket: 'artifacts', objects: [{ prefix: 'tools/', actions: ['GetObject'] }] },
    TOOL_ROLE_ARN: { tools: 'execution-role' },
    TOOL_FUNCTION_PREFIX: { tools: 'functions', access: 'manage' },
    TOOL_RUNTIME: { setting: 'lambdaRuntime' },
    TOOL_BOUNDARY_ARN: { tools: 'boundary' },
    TOOL_LOG_RETENTION_DAYS: { setting: 'logRetentionDays' },
    TOOL_RESERVED_CONCURRENCY: { setting: 'toolReservedConcurrency' },
    AUDIT_TABLE: AUDIT_WRITER,
  },
  'build-kickoff': {
    ...TELEMETRY,
    // GetItem also reads the operator's settings item (paused).
    BUILDS_TABLE: { table: 'builds', actions: ['GetItem', 'PutItem', 'UpdateItem'] },
    ARTIFACTS_BUCKET: { bucket: 'artifacts', objects: [{ prefix: 'builds/', actions: ['PutObject'] }] },
    // review answers the waiting AwaitApproval task; cancel stops the execution.
    STATE_MACHINE_ARN: { stateMachine: 'build-pipeline', actions: ['StartExecution', 'StopExecution', 'SendTaskSuccess', 'SendTaskFailure'] },
    BUILDS_PAUSED: { setting: 'buildsPaused' },
    AUDIT_TABLE: AUDIT_WRITER,
    // GetItem: overrides and the org's build slots; UpdateItem: the day counter and the slots.
    QUOTAS_TABLE: { table: 'quotas', actions: ['GetItem', 'UpdateItem'] },
    QUOTA_LIMITS,
    BUILD_SLOT_SECONDS: { setting: 'buildSlotSeconds' },
  },
  'update-build-status': {
    ...TELEMETRY,
    BUILDS_TABLE: { table: 'builds', actions: ['GetItem', 'UpdateItem'] },
    // Hashes each tool bundle the OI phase made: the review shows, and DeployTools deploys, those bytes.
    ARTIFACTS_BUCKET: { bucket: 'artifacts', objects: [{ prefix: 'tools/', actions: ['GetObject'] }] },
    CONNECTIONS_TABLE: { table: 'connections', actions: ['DeleteItem'], queryIndexes: ['userId-index'] },
    WEBSOCKET_ENDPOINT: WEBSOCKET,
    AUDIT_TABLE: AUDIT_WRITER,
    // A build's final status gives back its org's build slot.
    QUOTAS_TABLE: { table: 'quotas', actions: ['GetItem', 'UpdateItem'] },
  },
  /** A user's data rights: reads everything held about a user (export) or removes it (erase). */
  'user-data': {
    ...TELEMETRY,
    CONNECTIONS_TABLE: { table: 'connections', actions: ['DeleteItem'], queryIndexes: ['userId-index'] },
    CONVERSATIONS_TABLE: { table: 'conversations', actions: ['Query', 'DeleteItem'], queryIndexes: ['GSI1'] },
    BUILDS_TABLE: { table: 'builds', actions: ['DeleteItem'], queryIndexes: ['GSI1'] },
    // UpdateItem: an erased user's name is taken off the org's tools they deployed and off their
    // version history (the tools stay); Query: each tool's history.
    TOOLS_TABLE: { table: 'tools', actions: ['Query', 'UpdateItem'], queryIndexes: ['GSI1'] },
    ARTIFACTS_BUCKET: {
      bucket: 'artifacts',
      objects: [
        // GetObject: a build's full request (its spec) for the export.
        { prefix: 'builds/', actions: ['GetObject', 'DeleteObject'], list: true },
        // GetObject: the export's pre-signed URL, and reading back a request's record.
        { prefix: 'exports/', actions: ['GetObject', 'PutObject', 'DeleteObject'], list: true },
      ],
    },
    MEMORY_FUNCTION_NAME: { invoke: 'memory' },
    AUDIT_TABLE: { ...AUDIT_WRITER, queryIndexes: ['GSI1'] },
  },
  // Verifies tokens against the pool's public JWKS: no AWS API call, so no grant.
  'ws-authorizer': {
    ...TELEMETRY,
    USER_POOL_ID: { userPool: 'id' },
    USER_POOL_CLIENT_ID: { userPool: 'client-id' },
    ALLOW_ANONYMOUS: { setting: 'allowAnonymous' },
    AUDIT_TABLE: AUDIT_WRITER,
  },
} as const satisfies Record<string, Record<string, Binding>>;
