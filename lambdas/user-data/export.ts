import { artifactKeys, type AuditRecord, type BuildItem, type DataCounts, type ToolRecord, type UserDataResponse } from '../shared/contract';
import { conflict } from '../shared/responses';
import type { DataSubject, UserDataDeps } from './deps';
import { auditEventsAbout, buildsOf, conversationItems, conversationsOf, isMessage, toolsDeployedBy, type ConversationMeta } from './holdings';
import { exportMemories } from './memories';
import { buildRequest, presignedGet } from './objects';
import { createRequestRecord, readRequestRecord, recordDataRequest, type RequestRecord } from './request-records';

/** Version of the export document's shape, for whoever reads it. */
export const EXPORT_FORMAT = 'fable-user-export/1';

export interface DataRequest extends DataSubject {
  readonly requestId: string;
}

/**
 * Export everything FABLE holds about the user as one JSON document at
 * `exports/<userId>/<requestId>.json`, and answer with a pre-signed GET valid 15 minutes. The
 * same request again answers from the same document (a fresh URL, no second document or event).
 * The `data_exported` event is named by the request, so a run that crashed after the document was
 * written, and its retry, record it once.
 */
export async function exportUserData(deps: UserDataDeps, request: DataRequest): Promise<UserDataResponse> {
  const key = artifactKeys.dataExport(request.userId, request.requestId);
  const earlier = await readRequestRecord(deps, key);
  if (earlier && earlier.action !== 'export') throw conflict(`requestId ${request.requestId} was used for an ${earlier.action}`);
  const record = earlier ?? (await writeExport(deps, request, key));
  await recordDataRequest(deps, request, record);
  return { url: await presignedGet(deps, key), counts: record.counts };
}

async function writeExport(deps: UserDataDeps, request: DataRequest, key: string): Promise<RequestRecord> {
  const exportedAt = deps.now().toISOString();
  const [memories, conversations, builds, tools, auditEvents] = await Promise.all([
    exportMemories(deps, request),
    exportConversations(deps, request),
    exportBuilds(deps, request),
    toolsDeployedBy(deps, request),
    auditEventsAbout(deps, request),
  ]);
  const counts: DataCounts = {
    memories: memories.length,
    conversations: conversations.length,
    messages: conversations.reduce((sum, conversation) => sum + conversation.messages.length, 0),
    builds: builds.length,
    tools: tools.length,
    auditEvents: auditEvents.length,
  };
  const document = {
    format: EXPORT_FORMAT,
    requestId: request.requestId,
    userId: request.userId,
    orgId: request.orgId,
    exportedAt,
    counts,
    memories,
    conversations,
    builds,
    tools: tools.map(toolView),
    auditEvents: auditEvents.map(auditView),
  };
  return createRequestRecord(deps, {
    key,
    record: { action: 'export', status: 'completed', at: exportedAt, counts },
    body: JSON.stringify(document),
  });
}

interface ExportedConversation extends Omit<ConversationMeta, 'userId'> {
  readonly messages: readonly Record<string, unknown>[];
}

async function exportConversations(deps: UserDataDeps, subject: DataSubject): Promise<ExportedConversation[]> {
  const metas = await conversationsOf(deps, subject);
  return Promise.all(
    metas.map(async (meta) => {
      // Request records (`REQ#`) are FABLE's bookkeeping of deliveries, not something the user said.
      const messages = (await conversationItems(deps, meta.conversationId)).filter(isMessage).map((item) => ({
        role: item.role,
        content: item.content,
        createdAt: item.createdAt,
        ...(item.messageId !== undefined ? { messageId: item.messageId } : {}),
      }));
      return { conversationId: meta.conversationId, orgId: meta.orgId, createdAt: meta.createdAt, updatedAt: meta.updatedAt, messages };
    }),
  );
}

/** Each build as its row has it, with its whole request (the row keeps a preview; the spec has all of it). */
async function exportBuilds(deps: UserDataDeps, subject: DataSubject) {
  const builds = await buildsOf(deps, subject);
  return Promise.all(
    builds.map(async (build) => {
      // The review's task token is a capability of the pipeline, not the user's data.
      const { PK: _pk, SK: _sk, GSI1PK: _gsiPk, GSI1SK: _gsiSk, approvalToken: _token, request, requestTruncated, ...fields } = build as BuildItem;
      const whole = requestTruncated ? await buildRequest(deps, build.buildId) : undefined;
      return { ...fields, request: whole ?? request };
    }),
  );
}

function toolView(tool: ToolRecord) {
  const { toolName, functionName, version, schema, orgId, createdAt, updatedAt } = tool;
  return { toolName, functionName, version, schema, orgId, createdAt, updatedAt };
}

function auditView(event: AuditRecord) {
  const { at, type, orgId, actor, target, outcome, detail } = event;
  return { at, type, orgId, actor, target, outcome, ...(detail !== undefined ? { detail } : {}) };
}
