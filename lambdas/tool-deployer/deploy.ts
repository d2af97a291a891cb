import type { DeployRequest, ToolDeployerResponses } from '../shared/contract';
import { conflict } from '../shared/responses';
import type { DeployerDeps } from './settings';
import {
  assertAdoptable,
  createFunctionUrl,
  createToolFunction,
  ensureFunctionUrl,
  findFunction,
  pointLiveAlias,
  publishToolVersion,
  reserveConcurrency,
  toolTags,
  updateToolFunction,
} from './functions';
import { ensureToolLogGroup } from './log-group';
import { getToolRecord, putNewToolRecord, updateToolRecord, type ToolDeployment } from './records';
import { verifyArtifact } from './verify-artifact';

/**
 * Deploy (or redeploy) a tool as `<prefix><toolName>`: its code and configuration on $LATEST, then
 * published as an immutable version that the `live` alias (what chat invokes, behind an AWS_IAM
 * Function URL) points at. Earlier versions stay, so `rollback` can point `live` back at one.
 *
 * The record is written last, once the function is ready: a failure anywhere before leaves the
 * record as it was (absent on a first deploy, the last good version on a redeploy), and running the
 * same deploy again resumes, adopting a function a crashed deploy left behind. The record and its
 * `tool_deployed` event are one write, so a deployment is recorded exactly when it is. The log group is
 * made ready before the function exists or changes, so every log line lands under its retention.
 */
export async function deployTool(deps: DeployerDeps, request: DeployRequest): Promise<ToolDeployerResponses['deploy']> {
  const { settings } = deps;
  await verifyArtifact(deps.s3, settings.bucket, request);
  const functionName = settings.functionPrefix + request.toolName;

  const record = await getToolRecord(deps.dynamo, settings.tableName, request.toolName);
  if (record && record.orgId !== request.orgId) throw conflict(`Tool ${request.toolName} belongs to another organization`);

  const existing = await findFunction(deps.lambda, functionName);
  if (existing) assertAdoptable(existing, request, settings.stage);
  await ensureToolLogGroup(deps.logs, functionName, toolTags(settings.stage, request), settings.logRetentionDays);

  const functionArn = existing
    ? await updateToolFunction(deps, functionName, request, existing)
    : await createToolFunction(deps, functionName, request);
  await reserveConcurrency(deps.lambda, functionName, settings.reservedConcurrency);
  const lambdaVersion = await publishToolVersion(deps, functionName, request.sha256);
  await pointLiveAlias(deps.lambda, functionName, lambdaVersion);
  const functionUrl = existing ? await ensureFunctionUrl(deps.lambda, functionName) : await createFunctionUrl(deps.lambda, functionName);

  const deployment: ToolDeployment = {
    toolName: request.toolName,
    orgId: request.orgId,
    userId: request.userId,
    functionName,
    functionArn,
    functionUrl,
    s3Key: request.s3Key,
    schema: request.schema,
    memorySize: request.memorySize,
    timeout: request.timeout,
    lambdaVersion,
    sha256: request.sha256,
    buildId: request.buildId,
    approvedBy: request.approvedBy,
  };
  const now = new Date().toISOString();
  const records = { dynamo: deps.dynamo, tableName: settings.tableName, audit: deps.audit };
  const version = record ? await updateToolRecord(records, deployment, record.version, now) : await putNewToolRecord(records, deployment, now);
  return { tool: { toolName: request.toolName, functionName, functionArn, functionUrl, version } };
}
