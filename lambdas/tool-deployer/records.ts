import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditRef, keys, TOOLS_TABLE, type AuditEvent, type ToolRecord } from '../shared/contract';
import { auditPut, type AuditTrail } from '../shared/audit';
import { refuse } from '../shared/audit-writer';
import { conflict } from '../shared/responses';
import { conditionFailedAt, type TransactItem } from '../shared/transactions';

/** The org index of the tools table (GSI1PK = ORG#<orgId>, GSI1SK = TOOL#<toolName>). */
export const ORG_INDEX = TOOLS_TABLE.globalIndexes[0].name;

/** What a deploy writes about the function it just made ready (the record minus keys, version, timestamps). */
export type ToolDeployment = Omit<ToolRecord, 'PK' | 'SK' | 'GSI1PK' | 'GSI1SK' | 'version' | 'createdAt' | 'updatedAt'>;

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

/** A record change and its audit event: one transaction, so neither is ever written without the other. */
async function writeRecorded(records: ToolRecords, change: TransactItem, event: AuditEvent, now: string): Promise<void> {
  await records.dynamo.send(new TransactWriteCommand({ TransactItems: [change, auditPut(records.audit, event, { at: now })] }));
}

/** First record of a tool: version 1, and only if nobody recorded the name in the meantime. */
export async function putNewToolRecord(records: ToolRecords, deployment: ToolDeployment, now: string): Promise<number> {
  const record: ToolRecord = {
    ...toolKey(deployment.toolName),
    GSI1PK: keys.org(deployment.orgId),
    GSI1SK: keys.tool(deployment.toolName),
    ...deployment,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await writeRecorded(
      records,
      { Put: { TableName: records.tableName, Item: record, ConditionExpression: 'attribute_not_exists(PK)' } },
      deployedEvent(deployment, record.version),
      now,
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
        '#schema = :schema, #memorySize = :memorySize, #timeout = :timeout, #updatedAt = :updatedAt, #version = :version',
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
        '#orgId': 'orgId',
      },
      ExpressionAttributeValues: {
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
    await writeRecorded(records, update, deployedEvent(deployment, version), now);
  } catch (error) {
    if (conditionFailedAt(error, 0)) throw conflict(`Tool ${deployment.toolName} was undeployed or changed by a concurrent request; retry`);
    throw error;
  }
  return version;
}

/** The org asking for an undeploy was refused: the tool is another org's. */
export function refuseUndeploy(records: ToolRecords, toolName: string, orgId: string): Promise<never> {
  return refuse(
    records.audit,
    { orgId, actor: ['org', orgId], target: ['tool', toolName], action: 'tool.undeploy' },
    `Tool ${toolName} belongs to another organization`,
  );
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
    if (await getToolRecord(records.dynamo, records.tableName, toolName)) await refuseUndeploy(records, toolName, orgId);
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
