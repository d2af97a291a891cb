import * as z from 'zod';
import { keys, type ListRequest, type ToolDeployerResponses, type ToolRecord, type ToolSummary } from '../shared/contract';
import { badRequest } from '../shared/responses';
import type { DeployerDeps } from './settings';
import { queryOrgTools } from './records';

/** A page key of the org index: exactly its four string attributes, on a tool record. */
const pageKey = z.strictObject({
  GSI1PK: z.string(),
  GSI1SK: z.string(),
  PK: z.string().startsWith(keys.tool('')),
  SK: z.literal(keys.meta),
});

/** The opaque page token: base64url of the index's LastEvaluatedKey. */
export function encodeNextToken(lastKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastKey)).toString('base64url');
}

function parseToken(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Decode a token and check it is a key of this org's index page, so a token can neither be forged
 * into another org's listing nor break the query.
 */
export function decodeNextToken(token: string, orgId: string): Record<string, string> {
  const key = pageKey.safeParse(parseToken(token));
  if (!key.success || key.data.GSI1PK !== keys.org(orgId) || key.data.GSI1SK !== key.data.PK) {
    throw badRequest('payload.nextToken is invalid');
  }
  return key.data;
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
export async function listTools(deps: DeployerDeps, request: ListRequest): Promise<ToolDeployerResponses['list']> {
  const startKey = request.nextToken === undefined ? undefined : decodeNextToken(request.nextToken, request.orgId);
  const page = await queryOrgTools(deps.dynamo, deps.settings.tableName, request.orgId, request.limit, startKey);
  const tools = page.records.map(summary);
  return page.lastKey ? { tools, nextToken: encodeNextToken(page.lastKey) } : { tools };
}
