import type { ToolDeployerResponses, UndeployRequest } from '../shared/contract';
import { notFound } from '../shared/responses';
import type { DeployerDeps } from './settings';
import { deleteToolFunction } from './functions';
import { deleteToolHistory, deleteToolRecord, getToolRecord, refuseOtherOrg } from './records';

/**
 * Remove a tool: only its owning org may (another org's attempt is refused and recorded). The
 * function (with every published version, the `live` alias and its URL) goes first, then the
 * version history, and the record last, with its `tool_undeployed` event, so an
 * interrupted undeploy still has a record to find and simply runs again. The tool's log group
 * stays: its events expire by the retention the deploy set.
 */
export async function undeployTool(deps: DeployerDeps, request: UndeployRequest): Promise<ToolDeployerResponses['undeploy']> {
  const { toolName, orgId } = request;
  const { settings } = deps;
  const records = { dynamo: deps.dynamo, tableName: settings.tableName, audit: deps.audit };
  const record = await getToolRecord(deps.dynamo, settings.tableName, toolName);
  if (!record) throw notFound(`Tool ${toolName} is not deployed`);
  if (record.orgId !== orgId) await refuseOtherOrg(records, toolName, orgId, 'tool.undeploy');

  // The name comes from the settings, never from stored data, so only tool functions can be deleted.
  const functionName = settings.functionPrefix + toolName;
  await deleteToolFunction(deps.lambda, functionName);
  await deleteToolHistory(records, toolName);
  await deleteToolRecord(records, record, new Date().toISOString());
  return { toolName, functionName };
}
