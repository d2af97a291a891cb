import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { artifactKeys, auditRef, ERASED_USER_ID, keys, type BuildItem, type DataCounts, type ToolRecord, type UserDataResponse } from '../shared/contract';
import { conflict } from '../shared/responses';
import { conditionFailedAt } from '../shared/transactions';
import type { DataSubject, UserDataDeps } from './deps';
import type { DataRequest } from './export';
import { buildsOf, connectionsOf, conversationItems, conversationsOf, isMessage, isMeta, toolsDeployedBy, toolVersionsNaming, type ToolVersionMention } from './holdings';
import { countMemories, eraseMemories } from './memories';
import { deleteObjects, keysUnder } from './objects';
import { createRequestRecord, readRequestRecord, recordDataRequest, replaceRequestRecord, type RequestRecord } from './request-records';

type Key = Record<string, unknown>;

/** What is left of the user when a run starts (on a retry, what the run before did not get to). */
interface Holdings {
  readonly connections: readonly string[];
  /** Each conversation's items, its META last: the META is how a retry finds the rest. */
  readonly conversations: readonly (readonly Key[])[];
  readonly messages: number;
  readonly requestRecords: number;
  /** Each build's objects, then its row (the row is how a retry finds the objects). */
  readonly builds: readonly { readonly objects: readonly string[]; readonly row: Key }[];
  readonly exports: readonly string[];
  readonly tools: readonly ToolRecord[];
  /** The org's tools' past deployments the user made or approved (their name comes off, the history stays). */
  readonly toolVersions: readonly ToolVersionMention[];
}

/**
 * Erase the user: connections first (so the user's open sockets can start nothing new), then
 * memories (through the memory Lambda), conversations (messages, request records, META), build
 * files and rows, earlier exports, and the user's name on the org's tools they deployed (tools
 * belong to their org and stay deployed). Then one `data_erased` event, ids and counts only.
 *
 * The counts are taken before anything is deleted and kept in the request's receipt
 * (`exports/<userId>/<requestId>.json`), so they are the same whichever run finishes: a retry
 * after a crash finds the receipt in progress, deletes what is left, and records the event once
 * (it is named by the request). A completed request answers from its receipt.
 */
export async function eraseUserData(deps: UserDataDeps, request: DataRequest): Promise<UserDataResponse> {
  const key = artifactKeys.dataExport(request.userId, request.requestId);
  const earlier = await readRequestRecord(deps, key);
  if (earlier && earlier.action !== 'erase') throw conflict(`requestId ${request.requestId} was used for an ${earlier.action}`);
  if (earlier?.status === 'completed') return { counts: earlier.counts };

  const held = await findHoldings(deps, request, key);
  const record = earlier ?? (await takeOn(deps, request, key, held));
  await removeHoldings(deps, request, held);
  await recordDataRequest(deps, request, record);
  await replaceRequestRecord(deps, receipt(request, key, { ...record, status: 'completed' }));
  return { counts: record.counts };
}

/** A first run: the counts of what is there, kept in the receipt before anything is deleted. */
async function takeOn(deps: UserDataDeps, request: DataRequest, key: string, held: Holdings): Promise<RequestRecord> {
  const counts = await countsOf(deps, request, held);
  return createRequestRecord(deps, receipt(request, key, { action: 'erase', status: 'in_progress', at: deps.now().toISOString(), counts }));
}

/** The receipt: the record's metadata, and a body saying the same for whoever opens it. */
function receipt(request: DataRequest, key: string, record: RequestRecord) {
  return { key, record, body: JSON.stringify({ requestId: request.requestId, ...record }) };
}

async function findHoldings(deps: UserDataDeps, subject: DataSubject, receiptKey: string): Promise<Holdings> {
  const [connections, metas, builds, exports, tools, toolVersions] = await Promise.all([
    connectionsOf(deps, subject),
    conversationsOf(deps, subject),
    buildsOf(deps, subject),
    keysUnder(deps, artifactKeys.userExports(subject.userId)),
    toolsDeployedBy(deps, subject),
    toolVersionsNaming(deps, subject),
  ]);
  const conversations = await Promise.all(metas.map((meta) => conversationItems(deps, meta.conversationId)));
  const items = conversations.flat();
  return {
    connections,
    conversations: conversations.map((partition) => [...partition.filter((item) => !isMeta(item)), ...partition.filter(isMeta)].map(keyOf)),
    messages: items.filter(isMessage).length,
    requestRecords: items.filter((item) => !isMessage(item) && !isMeta(item)).length,
    builds: await Promise.all(
      builds.map(async (build: BuildItem) => ({ objects: await keysUnder(deps, artifactKeys.buildFiles(build.buildId)), row: keyOf(build) })),
    ),
    exports: exports.filter((exported) => exported !== receiptKey),
    tools,
    toolVersions,
  };
}

const keyOf = (item: { readonly PK?: unknown; readonly SK?: unknown }): Key => ({ PK: item.PK, SK: item.SK });

async function countsOf(deps: UserDataDeps, subject: DataSubject, held: Holdings): Promise<DataCounts> {
  return {
    memories: await countMemories(deps, subject),
    conversations: held.conversations.length,
    messages: held.messages,
    requestRecords: held.requestRecords,
    connections: held.connections.length,
    builds: held.builds.length,
    buildObjects: held.builds.reduce((sum, build) => sum + build.objects.length, 0),
    exports: held.exports.length,
    tools: held.tools.length,
  };
}

async function removeHoldings(deps: UserDataDeps, subject: DataSubject, held: Holdings): Promise<void> {
  const { settings } = deps;
  await deleteItems(deps, settings.connectionsTable, held.connections.map((connectionId) => ({ connectionId })));
  await eraseMemories(deps, subject);
  for (const partition of held.conversations) {
    await deleteItems(deps, settings.conversationsTable, partition.slice(0, -1));
    await deleteItems(deps, settings.conversationsTable, partition.slice(-1));
  }
  for (const build of held.builds) {
    await deleteObjects(deps, build.objects);
    await deleteItems(deps, settings.buildsTable, [build.row]);
  }
  await deleteObjects(deps, held.exports);
  for (const tool of held.tools) await unlinkTool(deps, subject, tool.toolName);
  for (const mention of held.toolVersions) await unlinkToolVersion(deps, mention);
}

/** Deletes in flight at once: enough to be quick, few enough to stay clear of throttling. */
const DELETE_CONCURRENCY = 10;

async function deleteItems(deps: UserDataDeps, tableName: string, items: readonly Key[]): Promise<void> {
  for (let start = 0; start < items.length; start += DELETE_CONCURRENCY) {
    await Promise.all(items.slice(start, start + DELETE_CONCURRENCY).map((Key) => deps.dynamo.send(new DeleteCommand({ TableName: tableName, Key }))));
  }
}

/** A past deployment stays in its tool's history (rollback needs it); the erased user's name comes off it. */
async function unlinkToolVersion(deps: UserDataDeps, mention: ToolVersionMention): Promise<void> {
  const set = [...(mention.deployedBy ? ['userId = :erased'] : []), ...(mention.approvedBy ? ['approvedBy = :erasedRef'] : [])];
  try {
    await deps.dynamo.send(
      new UpdateCommand({
        TableName: deps.settings.toolsTable,
        Key: mention.key,
        UpdateExpression: `SET ${set.join(', ')}`,
        // An undeploy meanwhile removed the item: nothing to change, and nothing to recreate.
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: {
          ...(mention.deployedBy ? { ':erased': ERASED_USER_ID } : {}),
          ...(mention.approvedBy ? { ':erasedRef': auditRef('user', ERASED_USER_ID) } : {}),
        },
      }),
    );
  } catch (error) {
    if (!conditionFailedAt(error, 0)) throw error;
  }
}

/** The tool stays with its org; the erased user's name comes off its record (unless it changed hands meanwhile). */
async function unlinkTool(deps: UserDataDeps, subject: DataSubject, toolName: string): Promise<void> {
  try {
    await deps.dynamo.send(
      new UpdateCommand({
        TableName: deps.settings.toolsTable,
        Key: { PK: keys.tool(toolName), SK: keys.meta },
        UpdateExpression: 'SET userId = :erased',
        ConditionExpression: 'userId = :user AND orgId = :org',
        ExpressionAttributeValues: { ':erased': ERASED_USER_ID, ':user': subject.userId, ':org': subject.orgId },
      }),
    );
  } catch (error) {
    if (!conditionFailedAt(error, 0)) throw error;
  }
}
