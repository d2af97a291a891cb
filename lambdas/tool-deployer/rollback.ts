import type { RollbackRequest, ToolDeployerResponses } from '../shared/contract';
import { notFound } from '../shared/responses';
import type { DeployerDeps } from './settings';
import { pointLiveAlias } from './functions';
import { getToolRecord, getToolVersion, refuseOtherOrg, rollbackToolRecord, versionBefore } from './records';

/**
 * Point a tool's `live` alias back at an earlier deployment: `version`, or by default the one
 * before the live one. Only the owning org may (another org's attempt is refused and recorded).
 * The alias moves first and the record (with `tool_rolled_back`) last, so an interrupted rollback
 * that is run again with the same version ends in the same state. Asking for the live version
 * changes nothing.
 */
export async function rollbackTool(deps: DeployerDeps, request: RollbackRequest): Promise<ToolDeployerResponses['rollback']> {
  const { toolName, orgId, userId } = request;
  const { settings } = deps;
  const records = { dynamo: deps.dynamo, tableName: settings.tableName, audit: deps.audit };
  const record = await getToolRecord(deps.dynamo, settings.tableName, toolName);
  if (!record) throw notFound(`Tool ${toolName} is not deployed`);
  if (record.orgId !== orgId) await refuseOtherOrg(records, toolName, orgId, 'tool.rollback');

  const live = record.liveVersion ?? record.version;
  const target =
    request.version === undefined ? await versionBefore(records, toolName, live) : await getToolVersion(records, toolName, request.version);
  if (!target) {
    throw notFound(request.version === undefined ? `Tool ${toolName} has no version before ${live}` : `Tool ${toolName} has no version ${request.version}`);
  }
  if (target.version === live) return { toolName, version: live, fromVersion: live, lambdaVersion: target.lambdaVersion };

  // The name comes from the settings, never from stored data, so only tool functions are touched.
  await pointLiveAlias(deps.lambda, settings.functionPrefix + toolName, target.lambdaVersion);
  await rollbackToolRecord(records, record, target, userId, new Date().toISOString());
  return { toolName, version: target.version, fromVersion: live, lambdaVersion: target.lambdaVersion };
}
