import type { Tool, ToolConfiguration } from '@aws-sdk/client-bedrock-runtime';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { keys, LIVE_ALIAS, TOOL_NAME_PATTERN } from '../shared/contract';
import { describeError } from '../shared/responses';
import { invokeJson } from '../shared/invoke';
import { log } from '../shared/telemetry';
import { recordMetric } from '../shared/metrics';

export interface ToolsTable {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** A deployed tool the org may use, as the model sees it and as chat invokes it. */
export interface OrgTool {
  readonly toolName: string;
  readonly functionName: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
}

export interface ToolOutcome {
  readonly ok: boolean;
  /** JSON text given back to the model, at most MAX_TOOL_RESULT_BYTES. */
  readonly content: string;
}

/** Tools offered to the model per reply (each costs prompt tokens). */
export const MAX_TOOLS = 64;
/** A tool's answer goes into the prompt, so it is capped. */
export const MAX_TOOL_RESULT_BYTES = 16 * 1024;
export const TOOL_TIMEOUT_MS = 30_000;

/** What chat reads of a tools-table item: a tool with its function and the schema the model sees. */
const toolItem = z
  .object({
    toolName: z.string().regex(TOOL_NAME_PATTERN),
    functionName: z.string(),
    schema: z.object({
      description: z.string().optional().catch(undefined),
      inputSchema: z.record(z.string(), z.unknown()).optional().catch(undefined),
    }),
  });

const DEFAULT_INPUT_SCHEMA = { type: 'object', properties: {} };

/** A tool's own refusal (`{success:false,...}`) is a failed call for the model. */
const toolRefusal = z.object({ success: z.literal(false) });

/**
 * The org's tools from the tools table (GSI1 `ORG#<orgId>`); malformed items are skipped, not
 * offered. The function invoked is `<TOOL_FUNCTION_PREFIX><toolName>` (`fable-<stage>-tool-<name>`),
 * never a name read from the table, and an item naming any other function is skipped.
 */
export async function listOrgTools(table: ToolsTable, orgId: string, functionPrefix: string): Promise<OrgTool[]> {
  const result = await table.dynamo.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :org AND begins_with(GSI1SK, :tool)',
      ExpressionAttributeValues: { ':org': keys.org(orgId), ':tool': keys.tool('') },
      Limit: MAX_TOOLS,
    }),
  );
  const tools: OrgTool[] = [];
  for (const item of result.Items ?? []) {
    const parsed = toolItem.safeParse(item);
    if (!parsed.success || parsed.data.functionName !== functionPrefix + parsed.data.toolName) {
      log.warn('skipping malformed tool item', { pk: item.PK });
      continue;
    }
    const { toolName, functionName, schema } = parsed.data;
    tools.push({
      toolName,
      functionName,
      description: schema.description || toolName,
      inputSchema: schema.inputSchema ?? DEFAULT_INPUT_SCHEMA,
    });
  }
  return tools;
}

/** Bedrock tool configuration, keyed by tool name (the name the model calls). */
export function toolConfiguration(tools: readonly OrgTool[]): ToolConfiguration | undefined {
  if (tools.length === 0) return undefined;
  return {
    tools: tools.map(
      (tool): Tool => ({
        toolSpec: {
          name: tool.toolName,
          description: tool.description,
          inputSchema: { json: tool.inputSchema as never },
        },
      }),
    ),
  };
}

/** Cut text to a byte budget without splitting a UTF-8 character. */
export function capBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const marker = '…[truncated]';
  const budget = maxBytes - Buffer.byteLength(marker);
  return bytes.subarray(0, budget).toString('utf8').replace(/\uFFFD$/, '') + marker;
}

/**
 * Run one tool call: invoke the tool's function with `{arguments}`. Only tools listed for the org
 * run; any failure becomes an error result for the model instead of failing the reply.
 */
export async function runTool(
  lambda: LambdaClient,
  tools: readonly OrgTool[],
  name: string,
  input: unknown,
): Promise<ToolOutcome> {
  const tool = tools.find((candidate) => candidate.toolName === name);
  if (!tool) return { ok: false, content: JSON.stringify({ error: `Unknown tool ${name}` }) };
  // The tool's name is unbounded: metadata of the record, never a dimension.
  const metadata = { toolName: name };
  recordMetric('toolCalls', 1, {}, metadata);
  try {
    // Through the `live` alias: the version the last deploy or rollback made live, never $LATEST.
    const result = await invokeJson(lambda, tool.functionName, { arguments: input ?? {} }, { abortSignal: AbortSignal.timeout(TOOL_TIMEOUT_MS), qualifier: LIVE_ALIAS });
    const ok = !toolRefusal.safeParse(result).success;
    if (!ok) recordMetric('toolErrors', 1, {}, metadata);
    return { ok, content: capBytes(JSON.stringify(result ?? null), MAX_TOOL_RESULT_BYTES) };
  } catch (error) {
    recordMetric('toolErrors', 1, {}, metadata);
    log.warn('tool call failed', { toolName: name, error: describeError(error) });
    return { ok: false, content: JSON.stringify({ error: `Tool ${name} failed` }) };
  }
}
