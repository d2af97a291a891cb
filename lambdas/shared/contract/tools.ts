/**
 * Tool hosting (DESIGN.md section 4, tool-deployer): events, records and the rules a tool must
 * meet. Values are rejected, never rewritten.
 */
import * as z from 'zod';
import { opaqueId, text, withDefault } from './fields';
import { ANONYMOUS_USER_ID, DEFAULT_ORG_ID } from './identity';
import { sha256Hex } from './protocol';

export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9-]{1,39}$/;
/**
 * Tool names that would collide with FABLE's own resources: tool functions are
 * `fable-<stage>-tool-<toolName>`, and the deployer itself is `fable-<stage>-tool-deployer`.
 */
export const RESERVED_TOOL_NAMES: readonly string[] = ['deployer'];

/** Tags on every tool function: who owns it (the deployer checks them before adopting a function) and IAM conditions. */
export const TOOL_TAGS = { stage: 'fable:stage', org: 'fable:org', tool: 'fable:tool' } as const;

export const MEMORY_RANGE = { min: 128, max: 3008, default: 256 } as const;
export const TIMEOUT_RANGE = { min: 1, max: 300, default: 30 } as const;
export const LIST_LIMIT = { min: 1, max: 100, default: 50 } as const;

/** The alias every tool is invoked through (chat, the Function URL); a deploy or a rollback moves it. */
export const LIVE_ALIAS = 'live';

/** Set by the deployer on every tool; a payload may not set them. */
export const RESERVED_ENV_KEYS: readonly string[] = ['TOOL_NAME', 'STAGE'];

export const toolName = z
  .string()
  .regex(TOOL_NAME_PATTERN, { error: 'must be 2-40 characters: a lowercase letter, then lowercase letters, digits or hyphens' })
  .refine((name) => !RESERVED_TOOL_NAMES.includes(name), { error: (issue) => `"${String(issue.input)}" is reserved` });

const S3_KEY_PATTERN = /^tools(\/[A-Za-z0-9][A-Za-z0-9._-]*)+\.zip$/;
/** A tool bundle's key in the artifacts bucket. */
export const toolBundleKey = z
  .string()
  .max(1024)
  .refine((key) => !key.includes('..') && S3_KEY_PATTERN.test(key), {
    error: 'must be a .zip key under tools/ using only letters, digits, ".", "_", "-" and "/" (no "..")',
  });

/** Bedrock tool use rejects these JSON Schema keywords. */
const UNSUPPORTED_SCHEMA_KEYWORDS = new Set(['$ref', 'oneOf', 'allOf', 'anyOf', 'not']);
/** Keywords whose value is instance data, not a schema: their contents are never keywords. */
const DATA_KEYWORDS = new Set(['default', 'examples', 'const', 'enum']);
/** Keywords whose value maps names to subschemas: the names are never keywords, the subschemas are checked. */
const NAMED_SUBSCHEMA_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const INPUT_SCHEMA_MAX_BYTES = 32 * 1024;
const INPUT_SCHEMA_MAX_DEPTH = 32;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The first thing Bedrock would refuse in a JSON Schema node, with where it was found. */
function schemaNodeProblem(node: unknown, path: string, depth: number): string | undefined {
  if (depth > INPUT_SCHEMA_MAX_DEPTH) return `is nested deeper than ${INPUT_SCHEMA_MAX_DEPTH} levels`;
  const children: [unknown, string][] = [];
  if (Array.isArray(node)) node.forEach((item, index) => children.push([item, `${path}[${index}]`]));
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (UNSUPPORTED_SCHEMA_KEYWORDS.has(key)) {
        return `must not use "${key}" (found at ${path}); Bedrock tool schemas do not support it`;
      }
      if (DATA_KEYWORDS.has(key)) continue;
      if (NAMED_SUBSCHEMA_KEYWORDS.has(key) && isObject(value)) {
        for (const [name, subschema] of Object.entries(value)) children.push([subschema, `${path}.${key}.${name}`]);
      } else children.push([value, `${path}.${key}`]);
    }
  }
  for (const [child, childPath] of children) {
    const problem = schemaNodeProblem(child, childPath, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** A tool's input schema as Bedrock accepts it: an object schema, bounded, without unsupported keywords. */
const inputSchema = z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
  const problem =
    schema.type !== 'object'
      ? 'must be a JSON Schema object with "type": "object"'
      : Buffer.byteLength(JSON.stringify(schema)) > INPUT_SCHEMA_MAX_BYTES
        ? `must be at most ${INPUT_SCHEMA_MAX_BYTES} bytes`
        : schemaNodeProblem(schema, 'inputSchema', 0);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const toolSchema = z.object({
  /** Bedrock's toolSpec name rule. */
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, "_" or "-"' }),
  description: text.max(4096),
  inputSchema: inputSchema.optional(),
});
export type ToolSchema = z.output<typeof toolSchema>;

const ENV_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
/** Lambda reserves these prefixes for its own runtime variables. */
const LAMBDA_RESERVED_ENV_PREFIXES = ['AWS_', 'LAMBDA_'];
const ENV_MAX_ENTRIES = 32;
/** Lambda allows 4 KB of environment in total; this leaves room for the reserved keys. */
const ENV_MAX_BYTES = 3584;

function envKeyProblem(key: string): string | undefined {
  if (!ENV_KEY_PATTERN.test(key)) return 'is not a valid variable name';
  if (RESERVED_ENV_KEYS.includes(key)) return 'is set by the deployer and cannot be given';
  if (LAMBDA_RESERVED_ENV_PREFIXES.some((prefix) => key.startsWith(prefix))) return 'uses a prefix reserved by Lambda';
  return undefined;
}

/** Extra environment for the tool; `TOOL_NAME` and `STAGE` are set by the deployer and refused here. */
const toolEnvironment = z.record(z.string(), z.string()).superRefine((environment, ctx) => {
  const keys = Object.keys(environment);
  if (keys.length > ENV_MAX_ENTRIES) ctx.addIssue({ code: 'custom', message: `must have at most ${ENV_MAX_ENTRIES} variables` });
  for (const key of keys) {
    const problem = envKeyProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
  if (Buffer.byteLength(JSON.stringify(environment)) > ENV_MAX_BYTES) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${ENV_MAX_BYTES} bytes` });
  }
});

const integerIn = (range: { min: number; max: number; default: number }) => withDefault(z.int().min(range.min).max(range.max), range.default);
const orgId = withDefault(opaqueId, DEFAULT_ORG_ID);

export const toolDeployEvent = z.object({
  action: z.literal('deploy'),
  payload: z.object({
    toolName,
    s3Key: toolBundleKey,
    /**
     * The SHA-256 of the bundle's bytes that may be deployed (for a build: the one its owner
     * approved). The deployer hashes the object itself and deploys nothing if it differs, and
     * Lambda refuses to publish a version of other code.
     */
    sha256: sha256Hex,
    schema: toolSchema,
    orgId,
    userId: withDefault(opaqueId, ANONYMOUS_USER_ID),
    memorySize: integerIn(MEMORY_RANGE),
    timeout: integerIn(TIMEOUT_RANGE),
    environment: withDefault(toolEnvironment, {}),
    /** Who approved the deployment (kept in the version history). */
    approvedBy: opaqueId.optional(),
    /** The build that produced the package (kept in the version history). */
    buildId: opaqueId.optional(),
  }),
});
export const toolUndeployEvent = z.object({ action: z.literal('undeploy'), payload: z.object({ toolName, orgId }) });
/** Move `live` back to an earlier version: `version`, or by default the one before the live one. */
export const toolRollbackEvent = z.object({
  action: z.literal('rollback'),
  payload: z.object({ toolName, orgId, userId: withDefault(opaqueId, ANONYMOUS_USER_ID), version: z.int().min(1).optional() }),
});
export const toolListEvent = z.object({
  action: z.literal('list'),
  payload: z.object({ orgId: opaqueId, limit: integerIn(LIST_LIMIT), nextToken: z.string().max(2048).optional() }),
});
export const toolDeployerEvent = z.discriminatedUnion('action', [toolDeployEvent, toolUndeployEvent, toolListEvent, toolRollbackEvent]);
export type ToolDeployEvent = z.input<typeof toolDeployEvent>;
export type ToolDeployerEvent = z.input<typeof toolDeployerEvent>;
export type ToolDeployerRequest = z.output<typeof toolDeployerEvent>;
export type DeployRequest = z.output<typeof toolDeployEvent>['payload'];
export type UndeployRequest = z.output<typeof toolUndeployEvent>['payload'];
export type ListRequest = z.output<typeof toolListEvent>['payload'];
export type RollbackRequest = z.output<typeof toolRollbackEvent>['payload'];

export const deployedTool = z.object({
  toolName: z.string(),
  functionName: z.string(),
  functionArn: z.string(),
  functionUrl: z.string(),
  version: z.number(),
});
export type DeployedTool = z.output<typeof deployedTool>;

/**
 * One deployed tool in the tools table (PK `TOOL#<toolName>`, SK `META`, GSI1 by org). `version`
 * counts deployments (the last one's number); `liveVersion` is the deployment `live` points at, and
 * the record's code and schema fields are that deployment's. Records written before versioning
 * have neither `liveVersion` nor `lambdaVersion`.
 */
export const toolRecord = deployedTool.extend({
  PK: z.string(),
  SK: z.string(),
  GSI1PK: z.string(),
  GSI1SK: z.string(),
  orgId: z.string(),
  userId: z.string(),
  s3Key: z.string(),
  schema: toolSchema,
  memorySize: z.number(),
  timeout: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  liveVersion: z.number().optional(),
  /** The Lambda version number `live` points at. */
  lambdaVersion: z.string().optional(),
});
export type ToolRecord = z.output<typeof toolRecord>;

/**
 * One deployment of a tool, kept while the tool exists (PK `TOOL#<toolName>`, SK
 * `VERSION#<zero-padded version>`, no GSI keys so neither list nor chat sees it): what a rollback
 * restores.
 */
export const toolVersionRecord = z.object({
  PK: z.string(),
  SK: z.string(),
  toolName: z.string(),
  version: z.number(),
  lambdaVersion: z.string(),
  s3Key: z.string(),
  sha256: z.string().optional(),
  buildId: z.string().optional(),
  approvedBy: z.string().optional(),
  userId: z.string(),
  schema: toolSchema,
  memorySize: z.number(),
  timeout: z.number(),
  deployedAt: z.string(),
});
export type ToolVersionRecord = z.output<typeof toolVersionRecord>;

/** A tool as `list` reports it. */
export const toolSummary = toolRecord.pick({
  toolName: true,
  functionName: true,
  functionArn: true,
  functionUrl: true,
  version: true,
  schema: true,
  userId: true,
  createdAt: true,
  updatedAt: true,
});
export type ToolSummary = z.output<typeof toolSummary>;

/** Success bodies (beside `success: true`) per action. */
export const toolDeployerResponses = {
  deploy: z.object({ tool: deployedTool }),
  undeploy: z.object({ toolName: z.string(), functionName: z.string() }),
  list: z.object({ tools: z.array(toolSummary), nextToken: z.string().optional() }),
  rollback: z.object({ toolName: z.string(), version: z.number(), fromVersion: z.number(), lambdaVersion: z.string() }),
};
export type ToolDeployerResponses = { [A in keyof typeof toolDeployerResponses]: z.output<(typeof toolDeployerResponses)[A]> };
