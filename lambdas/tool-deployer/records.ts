import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, TOOLS_TABLE, type ToolRecord } from '../shared/contract';
import { errorName } from '../shared/aws-errors';
import { conflict, forbidden } from '../shared/responses';

/** The org index of the tools table (GSI1PK = ORG#<orgId>, GSI1SK = TOOL#<toolName>). */
export const ORG_INDEX = TOOLS_TABLE.globalIndexes[0].name;

/** What a deploy writes about the function it just made ready (the record minus keys, version, timestamps). */
export type ToolDeployment = Omit<ToolRecord, 'PK' | 'SK' | 'GSI1PK' | 'GSI1SK' | 'version' | 'createdAt' | 'updatedAt'>;

const isConditionFailure = (error: unknown) => errorName(error) === 'ConditionalCheckFailedException';

const toolKey = (toolName: string) => ({ PK: keys.tool(toolName), SK: keys.meta });

export async function getToolRecord(dynamo: DynamoDBDocumentClient, tableName: string, toolName: string): Promise<ToolRecord | undefined> {
  const result = await dynamo.send(new GetCommand({ TableName: tableName, Key: toolKey(toolName), ConsistentRead: true }));
  return result.Item as ToolRecord | undefined;
}

/** First record of a tool: version 1, and only if nobody recorded the name in the meantime. */
export async function putNewToolRecord(dynamo: DynamoDBDocumentClient, tableName: string, deployment: ToolDeployment, now: string): Promise<number> {
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
    await dynamo.send(new PutCommand({ TableName: tableName, Item: record, ConditionExpression: 'attribute_not_exists(PK)' }));
  } catch (error) {
    if (isConditionFailure(error)) throw conflict(`Tool ${deployment.toolName} was recorded by a concurrent deploy; retry`);
    throw error;
  }
  return record.version;
}

/**
 * A new deployment of a recorded tool: the version is incremented atomically, and only while the
 * record still belongs to the deploying org. `createdAt`, `userId` and the keys keep their values.
 */
export async function updateToolRecord(dynamo: DynamoDBDocumentClient, tableName: string, deployment: ToolDeployment, now: string): Promise<number> {
  try {
    const result = await dynamo.send(
      new UpdateCommand({
        TableName: tableName,
        Key: toolKey(deployment.toolName),
        UpdateExpression:
          'SET #functionName = :functionName, #functionArn = :functionArn, #functionUrl = :functionUrl, #s3Key = :s3Key, ' +
          '#schema = :schema, #memorySize = :memorySize, #timeout = :timeout, #updatedAt = :updatedAt ADD #version :one',
        ConditionExpression: '#orgId = :orgId',
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
          ':one': 1,
          ':orgId': deployment.orgId,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const version = result.Attributes?.version;
    if (typeof version !== 'number') throw new Error('UpdateItem returned no version');
    return version;
  } catch (error) {
    if (isConditionFailure(error)) throw conflict(`Tool ${deployment.toolName} was undeployed or changed by a concurrent request; retry`);
    throw error;
  }
}

/** Delete the record if it belongs to the org; a record already gone is fine (undeploy is re-runnable). */
export async function deleteToolRecord(dynamo: DynamoDBDocumentClient, tableName: string, toolName: string, orgId: string): Promise<void> {
  try {
    await dynamo.send(
      new DeleteCommand({
        TableName: tableName,
        Key: toolKey(toolName),
        ConditionExpression: 'attribute_not_exists(PK) OR orgId = :orgId',
        ExpressionAttributeValues: { ':orgId': orgId },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw forbidden(`Tool ${toolName} belongs to another organization`);
    throw error;
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
