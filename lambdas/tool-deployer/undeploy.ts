import type { ToolDeployerResponses, UndeployRequest } from '../shared/contract';
import { forbidden, notFound } from '../shared/responses';
import type { DeployerDeps } from './settings';
import { deleteToolFunction } from './functions';
import { deleteToolRecord, getToolRecord } from './records';

/**
 * Remove a tool: only its owning org may. The function (and its URL) go first and the record last,
 * so an interrupted undeploy still has a record to find and simply runs again. The tool's log
 * group stays: its events expire by the retention the deploy set.
 */
export async function undeployTool(deps: DeployerDeps, request: UndeployRequest): Promise<ToolDeployerResponses['undeploy']> {
  const { toolName, orgId } = request;
  const { settings } = deps;
  const record = await getToolRecord(deps.dynamo, settings.tableName, toolName);
  if (!record) throw notFound(`Tool ${toolName} is not deployed`);
  if (record.orgId !== orgId) throw forbidden(`Tool ${toolName} belongs to another organization`);

  // The name comes from the settings, never from stored data, so only tool functions can be deleted.
  const functionName = settings.functionPrefix + toolName;
  await deleteToolFunction(deps.lambda, functionName);
  await deleteToolRecord(deps.dynamo, settings.tableName, toolName, orgId);
  return { toolName, functionName };
}
