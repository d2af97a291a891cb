import { paginateQuery, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  AUDIT_TABLE,
  BUILDS_TABLE,
  CONNECTIONS_TABLE,
  CONVERSATIONS_TABLE,
  TOOLS_TABLE,
  auditRecord,
  auditRef,
  keys,
  type AuditRecord,
  type BuildItem,
  type ToolRecord,
} from '../shared/contract';
import type { DataSubject, UserDataDeps } from './deps';

/**
 * What FABLE's tables hold about a user, found through the indexes that name the user: the
 * conversations index (`USER#<userId>`), the builds index, the connections' `userId-index`, the
 * audit trail's index, and the org's tools that the user deployed. Every item read here belongs
 * to the user; nothing of another user is ever returned, so nothing of theirs is ever exported
 * or erased.
 */

type Item = Record<string, unknown>;

async function queryAll(deps: UserDataDeps, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of paginateQuery({ client: deps.dynamo }, input)) items.push(...(page.Items ?? []));
  return items;
}

/** A conversation's META item (its owner, org and times). */
export interface ConversationMeta {
  readonly conversationId: string;
  readonly userId: string;
  readonly orgId: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

export async function conversationsOf(deps: UserDataDeps, subject: DataSubject): Promise<ConversationMeta[]> {
  const items = await queryAll(deps, {
    TableName: deps.settings.conversationsTable,
    IndexName: CONVERSATIONS_TABLE.globalIndexes[0].name,
    KeyConditionExpression: 'GSI1PK = :user AND begins_with(GSI1SK, :conversation)',
    ExpressionAttributeValues: { ':user': keys.user(subject.userId), ':conversation': keys.conversation('') },
  });
  // The index names the owner; the item's own userId says so too (a META is never another user's).
  return (items as unknown as ConversationMeta[]).filter((meta) => meta.userId === subject.userId);
}

/** Every item of a conversation's partition: META, messages (`MSG#`) and request records (`REQ#`). */
export async function conversationItems(deps: UserDataDeps, conversationId: string): Promise<Item[]> {
  return queryAll(deps, {
    TableName: deps.settings.conversationsTable,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.conversation(conversationId) },
  });
}

export const isMessage = (item: Item) => String(item.SK).startsWith('MSG#');
export const isMeta = (item: Item) => item.SK === keys.meta;

export async function buildsOf(deps: UserDataDeps, subject: DataSubject): Promise<BuildItem[]> {
  const items = await queryAll(deps, {
    TableName: deps.settings.buildsTable,
    IndexName: BUILDS_TABLE.globalIndexes[0].name,
    KeyConditionExpression: 'GSI1PK = :user',
    ExpressionAttributeValues: { ':user': keys.user(subject.userId) },
  });
  return (items as unknown as BuildItem[]).filter((build) => build.userId === subject.userId);
}

/** The org's tools this user deployed (a tool belongs to its org; its record names who deployed it). */
export async function toolsDeployedBy(deps: UserDataDeps, subject: DataSubject): Promise<ToolRecord[]> {
  const items = await queryAll(deps, {
    TableName: deps.settings.toolsTable,
    IndexName: TOOLS_TABLE.globalIndexes[0].name,
    KeyConditionExpression: 'GSI1PK = :org',
    FilterExpression: 'userId = :user',
    ExpressionAttributeValues: { ':org': keys.org(subject.orgId), ':user': subject.userId },
  });
  return items as unknown as ToolRecord[];
}

/** A version history item (a tool's past deployment) that names the user as its deployer or approver. */
export interface ToolVersionMention {
  readonly key: Record<string, unknown>;
  readonly deployedBy: boolean;
  readonly approvedBy: boolean;
}

/**
 * The org's tools' version history items that name the user. History items carry no index keys
 * (neither list nor chat sees them), so each of the org's tools is read under its own partition.
 */
export async function toolVersionsNaming(deps: UserDataDeps, subject: DataSubject): Promise<ToolVersionMention[]> {
  const tools = await queryAll(deps, {
    TableName: deps.settings.toolsTable,
    IndexName: TOOLS_TABLE.globalIndexes[0].name,
    KeyConditionExpression: 'GSI1PK = :org',
    ExpressionAttributeValues: { ':org': keys.org(subject.orgId) },
    ProjectionExpression: 'toolName',
  });
  const approver = auditRef('user', subject.userId);
  const mentions = await Promise.all(
    tools.map((tool) =>
      queryAll(deps, {
        TableName: deps.settings.toolsTable,
        KeyConditionExpression: 'PK = :tool AND begins_with(SK, :version)',
        FilterExpression: 'userId = :user OR approvedBy = :approver',
        ExpressionAttributeValues: { ':tool': keys.tool(String(tool.toolName)), ':version': keys.toolVersionPrefix, ':user': subject.userId, ':approver': approver },
        ProjectionExpression: 'PK, SK, userId, approvedBy',
      }),
    ),
  );
  return mentions.flat().map((item) => ({ key: { PK: item.PK, SK: item.SK }, deployedBy: item.userId === subject.userId, approvedBy: item.approvedBy === approver }));
}

export async function connectionsOf(deps: UserDataDeps, subject: DataSubject): Promise<string[]> {
  const items = await queryAll(deps, {
    TableName: deps.settings.connectionsTable,
    IndexName: CONNECTIONS_TABLE.globalIndexes[0].name,
    KeyConditionExpression: 'userId = :user',
    ExpressionAttributeValues: { ':user': subject.userId },
    ProjectionExpression: 'connectionId',
  });
  return items.map((item) => String(item.connectionId));
}

/** The audit events about the user, oldest first (the trail keeps them; an export shows them). */
export async function auditEventsAbout(deps: UserDataDeps, subject: DataSubject): Promise<AuditRecord[]> {
  const items = await queryAll(deps, {
    TableName: deps.audit.tableName,
    IndexName: AUDIT_TABLE.globalIndexes[0].name,
    KeyConditionExpression: 'GSI1PK = :user',
    ExpressionAttributeValues: { ':user': keys.user(subject.userId) },
  });
  return items.map((item) => auditRecord.parse(item));
}
