import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditRef, keys, TOOLS_TABLE, type AuditEvent, type ToolRecord, type ToolVersionRecord } from '../shared/contract';
import { auditPut, type AuditTrail } from '../shared/audit';
import { refuse } from '../shared/audit-writer';
import { conflict } from '../shared/responses';
import { conditionFailedAt, type TransactItem } from '../shared/transactions';

/** The org index of the tools table (GSI1PK = ORG#<orgId>, GSI1SK = TOOL#<toolName>). */
export const ORG_INDEX = TOOLS_TABLE.globalIndexes[0].name;

/** What a deploy writes about the function it just made ready (the record minus keys, version, timestamps). */
export type ToolDeployment = Omit<ToolRecord, 'PK' | 'SK' | 'GSI1PK' | 'GSI1SK' | 'version' | 'liveVersion' | 'lambdaVersion' | 'createdAt' | 'updatedAt'> & {
  /** The Lambda version the deploy published (and pointed `live` at). */
  readonly lambdaVersion: string;
  /** Provenance kept in the version history. */
  readonly sha256?: string;
  readonly buildId?: string;
  readonly approvedBy?: string;
};

const toolKey = (toolName: string) => ({ PK: keys.tool(toolName), SK: keys.meta });

export async function getToolRecord(dynamo: DynamoDBDocumentClient, tableName: string, toolName: string): Promise<ToolRecord | undefined> {
  const result = await dynamo.send(new GetCommand({ TableName: tableName, Key: toolKey(toolName), ConsistentRead: true }));
  return result.Item as ToolRecord | undefined;
}

/** Where the tools are recorded, and the trail their deployments go to. */
export interface ToolRecords {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly audit: AuditTrail;
}

/** `tool_deployed` for a deployment that now has this version. */
function deployedEvent(deployment: ToolDeployment, version: number): AuditEvent {
  return {
    type: 'tool_deployed',
    orgId: deployment.orgId,
    userId: deployment.userId,
    actor: auditRef('user', deployment.userId),
    target: auditRef('tool', deployment.toolName),
    outcome: 'success',
    detail: { version },
  };
}

/**
 * A record change, the items that go with it (a version's history entry) and its audit event: one
 * transaction, so none is ever written without the others. The change comes first (its condition
 * is item 0).
 */
async function writeRecorded(records: ToolRecords, change: TransactItem, event: AuditEvent, now: string, extra: TransactItem[] = []): Promise<void> {
  await records.dynamo.send(new TransactWriteCommand({ TransactItems: [change, ...extra, auditPut(records.audit, event, { at: now })] }));
}

/** The history entry of a deployment that got `version` (written once: a version number is never reused). */
function versionEntry(records: ToolRecords, deployment: ToolDeployment, version: number, now: string): TransactItem {
  const entry: ToolVersionRecord = {
    PK: keys.tool(deployment.toolName),
    SK: keys.toolVersion(version),
    toolName: deployment.toolName,
    version,
    lambdaVersion: deployment.lambdaVersion,
    s3Key: deployment.s3Key,
    ...(deployment.sha256 ? { sha256: deployment.sha256 } : {}),
    ...(deployment.buildId ? { buildId: deployment.buildId } : {}),
    ...(deployment.approvedBy ? { approvedBy: deployment.approvedBy } : {}),
    userId: deployment.userId,
    schema: deployment.schema,
    memorySize: deployment.memorySize,
    timeout: deployment.timeout,
    deployedAt: now,
  };
  return { Put: { TableName: records.tableName, Item: entry, ConditionExpression: 'attribute_not_exists(PK)' } };
}

/** The fields of the META item that describe one deployment (and so its live code). */
function metaFields(deployment: ToolDeployment) {
  const { sha256: _sha256, buildId: _buildId, approvedBy: _approvedBy, ...fields } = deployment;
  return fields;
}

/** First record of a tool: version 1, and only if nobody recorded the name in the meantime. */
export async function putNewToolRecord(records: ToolRecords, deployment: ToolDeployment, now: string): Promise<number> {
  const record: ToolRecord = {
    ...toolKey(deployment.toolName),
    GSI1PK: keys.org(deployment.orgId),
    GSI1SK: keys.tool(deployment.toolName),
    ...metaFields(deployment),
    version: 1,
    liveVersion: 1,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await writeRecorded(
      records,
      { Put: { TableName: records.tableName, Item: record, ConditionExpression: 'attribute_not_exists(PK)' } },
      deployedEvent(deployment, record.version),
      now,
      [versionEntry(records, deployment, record.version, now)],
    );
  } catch (error) {
    if (conditionFailedAt(error, 0)) throw conflict(`Tool ${deployment.toolName} was recorded by a concurrent deploy; retry`);
    throw error;
  }
  return record.version;
}

/**
 * A new deployment of a recorded tool, as the version after `current`: only while the record
 * still belongs to the deploying org and is at that version (a concurrent deploy makes this one a
 * CONFLICT), so the event records the version the deployment got. `createdAt`, `userId` and the
 * keys keep their values.
 */
export async function updateToolRecord(records: ToolRecords, deployment: ToolDeployment, current: number, now: string): Promise<number> {
  const version = current + 1;
  const update: TransactItem = {
    Update: {
      TableName: records.tableName,
      Key: toolKey(deployment.toolName),
      UpdateExpression:
        'SET #functionName = :functionName, #functionArn = :functionArn, #functionUrl = :functionUrl, #s3Key = :s3Key, ' +
        '#schema = :schema, #memorySize = :memorySize, #timeout = :timeout, #updatedAt = :updatedAt, #version = :version, ' +
        '#liveVersion = :version, #lambdaVersion = :lambdaVersion',
      ConditionExpression: '#orgId = :orgId AND #version = :current',
      ExpressionAttributeNames: {
        '#functionName': 'functionName',
        '#functionArn': 'functionArn',
        '#functionUrl': 'functionUrl',
        '#s3Key': 's3Key',
        '#schema': 'schema',
        '#memorySize': 'memorySize',
        '#timeout': 'timeout',
        '#updatedAt': 'updatedAt',
        '#version': 'version',
        '#liveVersion': 'liveVersion',
        '#lambdaVersion': 'lambdaVersion',
        '#orgId': 'orgId',
      },
      ExpressionAttributeValues: {
        ':lambdaVersion': deployment.lambdaVersion,
        ':functionName': deployment.functionName,
        ':functionArn': deployment.functionArn,
        ':functionUrl': deployment.functionUrl,
        ':s3Key': deployment.s3Key,
        ':schema': deployment.schema,
        ':memorySize': deployment.memorySize,
        ':timeout': deployment.timeout,
        ':updatedAt': now,
        ':version': version,
        ':current': current,
        ':orgId': deployment.orgId,
      },
    },
  };
  try {
    await writeRecorded(records, update, deployedEvent(deployment, version), now, [versionEntry(records, deployment, version, now)]);
  } catch (error) {
    if (conditionFailedAt(error, 0)) throw conflict(`Tool ${deployment.toolName} was undeployed or changed by a concurrent request; retry`);
    throw error;
  }
  return version;
}

/** The org asking for an undeploy or a rollback was refused: the tool is another org's. */
export function refuseOtherOrg(records: ToolRecords, toolName: string, orgId: string, action: 'tool.undeploy' | 'tool.rollback'): Promise<never> {
  return refuse(
    records.audit,
    { orgId, actor: ['org', orgId], target: ['tool', toolName], action },
    `Tool ${toolName} belongs to another organization`,
  );
}

/** One deployment of the tool from its history, or undefined. */
export async function getToolVersion(records: ToolRecords, toolName: string, version: number): Promise<ToolVersionRecord | undefined> {
  const result = await records.dynamo.send(
    new GetCommand({ TableName: records.tableName, Key: { PK: keys.tool(toolName), SK: keys.toolVersion(version) }, ConsistentRead: true }),
  );
  return result.Item as ToolVersionRecord | undefined;
}

/** The newest deployment before `version`, or undefined when `version` is the first one kept. */
export async function versionBefore(records: ToolRecords, toolName: string, version: number): Promise<ToolVersionRecord | undefined> {
  if (version <= 1) return undefined;
  const result = await records.dynamo.send(
    new QueryCommand({
      TableName: records.tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :first AND :before',
      ExpressionAttributeValues: { ':pk': keys.tool(toolName), ':first': keys.toolVersion(1), ':before': keys.toolVersion(version - 1) },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  return result.Items?.[0] as ToolVersionRecord | undefined;
}

/**
 * Make an earlier deployment the live one: the META item takes its code and schema fields (what
 * chat offers the model) and `liveVersion`, with its `tool_rolled_back` event, only while the
 * record is still the org's and unchanged since it was read.
 */
export async function rollbackToolRecord(records: ToolRecords, record: ToolRecord, target: ToolVersionRecord, userId: string, now: string): Promise<void> {
  const fromVersion = record.liveVersion ?? record.version;
  const update: TransactItem = {
    Update: {
      TableName: records.tableName,
      Key: toolKey(record.toolName),
      UpdateExpression:
        'SET #s3Key = :s3Key, #schema = :schema, #memorySize = :memorySize, #timeout = :timeout, ' +
        '#liveVersion = :target, #lambdaVersion = :lambdaVersion, #updatedAt = :updatedAt',
      ConditionExpression: '#orgId = :orgId AND #version = :version AND (#liveVersion = :from OR attribute_not_exists(#liveVersion))',
      ExpressionAttributeNames: {
        '#s3Key': 's3Key',
        '#schema': 'schema',
        '#memorySize': 'memorySize',
        '#timeout': 'timeout',
        '#liveVersion': 'liveVersion',
        '#lambdaVersion': 'lambdaVersion',
        '#updatedAt': 'updatedAt',
        '#orgId': 'orgId',
        '#version': 'version',
      },
      ExpressionAttributeValues: {
        ':s3Key': target.s3Key,
        ':schema': target.schema,
        ':memorySize': target.memorySize,
        ':timeout': target.timeout,
        ':target': target.version,
        ':lambdaVersion': target.lambdaVersion,
        ':updatedAt': now,
        ':orgId': record.orgId,
        ':version': record.version,
        ':from': fromVersion,
      },
    },
  };
  const event: AuditEvent = {
    type: 'tool_rolled_back',
    orgId: record.orgId,
    userId,
    actor: auditRef('user', userId),
    target: auditRef('tool', record.toolName),
    outcome: 'success',
    detail: { version: target.version, fromVersion },
  };
  try {
    await writeRecorded(records, update, event, now);
  } catch (error) {
    if (conditionFailedAt(error, 0)) throw conflict(`Tool ${record.toolName} was changed by a concurrent request; retry`);
    throw error;
  }
}

/** Delete the tool's version history (before its record, so an interrupted undeploy finds the record and runs again). */
export async function deleteToolHistory(records: ToolRecords, toolName: string): Promise<void> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await records.dynamo.send(
      new QueryCommand({
        TableName: records.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.tool(toolName), ':prefix': keys.toolVersionPrefix },
        ProjectionExpression: 'PK, SK',
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      await records.dynamo.send(new DeleteCommand({ TableName: records.tableName, Key: { PK: item.PK, SK: item.SK } }));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/**
 * Delete the record of the org's tool, with its `tool_undeployed` event. A record already gone
 * was removed (and recorded) by another undeploy, so there is nothing left to do; a record the
 * org lost to another in the meantime is refused.
 */
export async function deleteToolRecord(records: ToolRecords, record: ToolRecord, now: string): Promise<void> {
  const { toolName, orgId } = record;
  const event: AuditEvent = {
    type: 'tool_undeployed',
    orgId,
    userId: record.userId,
    actor: auditRef('org', orgId),
    target: auditRef('tool', toolName),
    outcome: 'success',
  };
  const remove: TransactItem = {
    Delete: {
      TableName: records.tableName,
      Key: toolKey(toolName),
      ConditionExpression: 'orgId = :orgId',
      ExpressionAttributeValues: { ':orgId': orgId },
    },
  };
  try {
    await writeRecorded(records, remove, event, now);
  } catch (error) {
    if (!conditionFailedAt(error, 0)) throw error;
    if (await getToolRecord(records.dynamo, records.tableName, toolName)) await refuseOtherOrg(records, toolName, orgId, 'tool.undeploy');
  }
}

export interface ToolPage {
  readonly records: ToolRecord[];
  readonly lastKey?: Record<string, unknown>;
}

/** One page of an org's tools through the org index, in tool-name order. */
export async function queryOrgTools(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  orgId: string,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<ToolPage> {
  const result = await dynamo.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: ORG_INDEX,
      KeyConditionExpression: 'GSI1PK = :org',
      ExpressionAttributeValues: { ':org': keys.org(orgId) },
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  return { records: (result.Items ?? []) as ToolRecord[], lastKey: result.LastEvaluatedKey };
}
