import { keys, type ToolRecord, type ToolSchema } from '../shared/contract';
import { badRequest } from '../shared/responses';
import { isObject } from '../shared/validation';
import type { DeployerDeps } from './settings';
import { validateListRequest } from './validate';
import { queryOrgTools } from './records';

export interface ToolSummary {
  readonly toolName: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly functionUrl: string;
  readonly version: number;
  readonly schema: ToolSchema;
  readonly userId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ToolList {
  readonly tools: ToolSummary[];
  readonly nextToken?: string;
}

const PAGE_KEY_ATTRIBUTES = ['GSI1PK', 'GSI1SK', 'PK', 'SK'];

/** The opaque page token: base64url of the index's LastEvaluatedKey. */
export function encodeNextToken(lastKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastKey)).toString('base64url');
}

/**
 * Decode a token and check it is a key of this org's index page: four string attributes and the
 * org's own partition, so a token can neither be forged into another org's listing nor break the query.
 */
export function decodeNextToken(token: string, orgId: string): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('nextToken is invalid');
  }
  const valid =
    isObject(key) &&
    Object.keys(key).sort().join(',') === PAGE_KEY_ATTRIBUTES.join(',') &&
    Object.values(key).every((value) => typeof value === 'string') &&
    key.GSI1PK === keys.org(orgId) &&
    key.SK === keys.meta &&
    typeof key.PK === 'string' &&
    key.PK.startsWith(keys.tool('')) &&
    key.GSI1SK === key.PK;
  if (!valid) throw badRequest('nextToken is invalid');
  return key as Record<string, string>;
}

function summary(record: ToolRecord): ToolSummary {
  return {
    toolName: record.toolName,
    functionName: record.functionName,
    functionArn: record.functionArn,
    functionUrl: record.functionUrl,
    version: record.version,
    schema: record.schema,
    userId: record.userId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** One page of the org's tools, in name order; `nextToken` is present while more may follow. */
export async function listTools(deps: DeployerDeps, payload: unknown): Promise<ToolList> {
  const request = validateListRequest(payload);
  const startKey = request.nextToken === undefined ? undefined : decodeNextToken(request.nextToken, request.orgId);
  const page = await queryOrgTools(deps.dynamo, deps.settings.tableName, request.orgId, request.limit, startKey);
  const tools = page.records.map(summary);
  return page.lastKey ? { tools, nextToken: encodeNextToken(page.lastKey) } : { tools };
}
