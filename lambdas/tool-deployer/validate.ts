import {
  ANONYMOUS_USER_ID,
  DEFAULT_ORG_ID,
  RESERVED_TOOL_NAMES,
  TOOL_NAME_PATTERN,
  type ToolSchema,
} from '../shared/contract';
import { badRequest } from '../shared/responses';
import {
  ID_PATTERN,
  isObject,
  optionalInteger,
  optionalString,
  requireObject,
  requireString,
  type JsonObject,
} from '../shared/validation';

/** Validated deploy request: every field present, defaults applied. */
export interface DeployRequest {
  readonly toolName: string;
  readonly s3Key: string;
  readonly schema: ToolSchema;
  readonly orgId: string;
  readonly userId: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly environment: Readonly<Record<string, string>>;
}

export interface UndeployRequest {
  readonly toolName: string;
  readonly orgId: string;
}

export interface ListRequest {
  readonly orgId: string;
  readonly limit: number;
  readonly nextToken?: string;
}

export const MEMORY_RANGE = { min: 128, max: 3008, default: 256 } as const;
export const TIMEOUT_RANGE = { min: 1, max: 300, default: 30 } as const;
export const LIST_LIMIT = { min: 1, max: 100, default: 50 } as const;

/** Set by the deployer on every tool; a payload may not set them. */
export const RESERVED_ENV_KEYS: readonly string[] = ['TOOL_NAME', 'STAGE'];

/** Bedrock tool use rejects these JSON Schema keywords. */
const UNSUPPORTED_SCHEMA_KEYWORDS = new Set(['$ref', 'oneOf', 'allOf', 'anyOf', 'not']);
/** Keywords whose value is instance data, not a schema: their contents are never keywords. */
const DATA_KEYWORDS = new Set(['default', 'examples', 'const', 'enum']);
/** Keywords whose value maps names to subschemas: the names are never keywords, the subschemas are checked. */
const NAMED_SUBSCHEMA_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

const S3_KEY_PATTERN = /^tools(\/[A-Za-z0-9][A-Za-z0-9._-]*)+\.zip$/;
const S3_KEY_MAX_LENGTH = 1024;
/** Bedrock's toolSpec name rule. */
const SCHEMA_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const DESCRIPTION_MAX_LENGTH = 4096;
const INPUT_SCHEMA_MAX_BYTES = 32 * 1024;
const INPUT_SCHEMA_MAX_DEPTH = 32;
const ENV_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
/** Lambda reserves these prefixes for its own runtime variables. */
const LAMBDA_RESERVED_ENV_PREFIXES = ['AWS_', 'LAMBDA_'];
const ENV_MAX_ENTRIES = 32;
/** Lambda allows 4 KB of environment in total; this leaves room for the reserved keys. */
const ENV_MAX_BYTES = 3584;

function validateToolName(object: JsonObject): string {
  const toolName = object.toolName;
  if (typeof toolName !== 'string' || !TOOL_NAME_PATTERN.test(toolName)) {
    throw badRequest('toolName must be 2-40 characters: a lowercase letter, then lowercase letters, digits or hyphens');
  }
  if (RESERVED_TOOL_NAMES.includes(toolName)) throw badRequest(`toolName "${toolName}" is reserved`);
  return toolName;
}

function validateS3Key(object: JsonObject): string {
  const s3Key = requireString(object, 's3Key', { maxLength: S3_KEY_MAX_LENGTH });
  if (s3Key.includes('..') || !S3_KEY_PATTERN.test(s3Key)) {
    throw badRequest('s3Key must be a .zip key under tools/ using only letters, digits, ".", "_", "-" and "/" (no "..")');
  }
  return s3Key;
}

function validateSchema(value: unknown): ToolSchema {
  const schema = requireObject(value, 'schema');
  const name = requireString(schema, 'name', { pattern: SCHEMA_NAME_PATTERN });
  const description = requireString(schema, 'description', { maxLength: DESCRIPTION_MAX_LENGTH });
  if (schema.inputSchema === undefined) return { name, description };
  return { name, description, inputSchema: validateInputSchema(schema.inputSchema) };
}

function validateInputSchema(value: unknown): Record<string, unknown> {
  if (!isObject(value) || value.type !== 'object') {
    throw badRequest('schema.inputSchema must be a JSON Schema object with "type": "object"');
  }
  if (Buffer.byteLength(JSON.stringify(value)) > INPUT_SCHEMA_MAX_BYTES) {
    throw badRequest(`schema.inputSchema must be at most ${INPUT_SCHEMA_MAX_BYTES} bytes`);
  }
  checkSchemaNode(value, 'inputSchema', 0);
  return value;
}

function checkSchemaNode(node: unknown, path: string, depth: number): void {
  if (depth > INPUT_SCHEMA_MAX_DEPTH) throw badRequest(`schema.inputSchema is nested deeper than ${INPUT_SCHEMA_MAX_DEPTH} levels`);
  if (Array.isArray(node)) {
    node.forEach((item, index) => checkSchemaNode(item, `${path}[${index}]`, depth + 1));
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (UNSUPPORTED_SCHEMA_KEYWORDS.has(key)) {
      throw badRequest(`schema.inputSchema must not use "${key}" (found at ${path}); Bedrock tool schemas do not support it`);
    }
    if (DATA_KEYWORDS.has(key)) continue;
    if (NAMED_SUBSCHEMA_KEYWORDS.has(key) && isObject(value)) {
      for (const [name, subschema] of Object.entries(value)) checkSchemaNode(subschema, `${path}.${key}.${name}`, depth + 1);
    } else {
      checkSchemaNode(value, `${path}.${key}`, depth + 1);
    }
  }
}

function validateEnvironment(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const environment = requireObject(value, 'environment');
  const entries = Object.entries(environment);
  if (entries.length > ENV_MAX_ENTRIES) throw badRequest(`environment must have at most ${ENV_MAX_ENTRIES} variables`);
  for (const [key, entry] of entries) {
    if (!ENV_KEY_PATTERN.test(key)) throw badRequest(`environment variable name "${key}" is invalid`);
    if (RESERVED_ENV_KEYS.includes(key)) throw badRequest(`environment variable ${key} is set by the deployer and cannot be given`);
    if (LAMBDA_RESERVED_ENV_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      throw badRequest(`environment variable ${key} uses a prefix reserved by Lambda`);
    }
    if (typeof entry !== 'string') throw badRequest(`environment variable ${key} must be a string`);
  }
  if (Buffer.byteLength(JSON.stringify(environment)) > ENV_MAX_BYTES) {
    throw badRequest(`environment must be at most ${ENV_MAX_BYTES} bytes`);
  }
  return environment as Record<string, string>;
}

export function validateDeployRequest(payload: unknown): DeployRequest {
  const body = requireObject(payload, 'payload');
  return {
    toolName: validateToolName(body),
    s3Key: validateS3Key(body),
    schema: validateSchema(body.schema),
    orgId: optionalString(body, 'orgId', { pattern: ID_PATTERN }) ?? DEFAULT_ORG_ID,
    userId: optionalString(body, 'userId', { pattern: ID_PATTERN }) ?? ANONYMOUS_USER_ID,
    memorySize: optionalInteger(body, 'memorySize', MEMORY_RANGE.min, MEMORY_RANGE.max) ?? MEMORY_RANGE.default,
    timeout: optionalInteger(body, 'timeout', TIMEOUT_RANGE.min, TIMEOUT_RANGE.max) ?? TIMEOUT_RANGE.default,
    environment: validateEnvironment(body.environment),
  };
}

export function validateUndeployRequest(payload: unknown): UndeployRequest {
  const body = requireObject(payload, 'payload');
  return {
    toolName: validateToolName(body),
    orgId: optionalString(body, 'orgId', { pattern: ID_PATTERN }) ?? DEFAULT_ORG_ID,
  };
}

export function validateListRequest(payload: unknown): ListRequest {
  const body = requireObject(payload, 'payload');
  return {
    orgId: requireString(body, 'orgId', { pattern: ID_PATTERN }),
    limit: optionalInteger(body, 'limit', LIST_LIMIT.min, LIST_LIMIT.max) ?? LIST_LIMIT.default,
    nextToken: optionalString(body, 'nextToken', { maxLength: 2048 }),
  };
}
