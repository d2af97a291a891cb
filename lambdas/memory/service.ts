import { auditRef, isOperator, MEMORY_ERASE_BATCH, type Memory, type MemoryRequest, type MemoryResponses } from '../shared/contract';
import type { AuditTrail } from '../shared/audit';
import { refuse, writeAuditEvent } from '../shared/audit-writer';
import { inTransaction, type Database } from '../shared/database/database';
import { notFound } from '../shared/responses';
import { decodeCursor, encodeCursor } from './cursor';
import type { Embedder } from './embeddings';
import { deleteOwned, eraseOwned, findVisible, insertMemory, listOwned, listVisible, searchVisible, updateOwned, type Caller } from './store';
import { recordMetric } from '../shared/metrics';

export interface MemoryDependencies {
  readonly database: Database;
  readonly embed: Embedder;
  /** Deletions and refusals are recorded there (`AUDIT_TABLE`). */
  readonly audit: AuditTrail;
  /** How long getting a database connection may keep retrying (evaluated when connecting). */
  readonly connectBudgetMs: () => number;
}

export type MemoryResult = MemoryResponses[keyof MemoryResponses];

const NOT_FOUND = 'memory not found';

/** A caller tried to write a memory it may not: one it did not create, or a global one without being an operator. */
const refusal = (caller: Caller, id: string | undefined, action: 'memory.create' | 'memory.update' | 'memory.delete') => ({
  orgId: caller.orgId,
  userId: caller.userId,
  actor: ['user', caller.userId] as const,
  target: id === undefined ? (['service', 'memory'] as const) : (['memory', id] as const),
  action,
});

const GLOBAL_WRITERS_ONLY = 'only FABLE operators (the admins group) may write global memories';

/** Why the caller may not change or delete a memory it can see, or undefined when it may. */
function writeDenial(caller: Caller & { readonly groups: readonly string[] }, found: { memory: Memory; owned: boolean }, verb: 'change' | 'delete') {
  if (!found.owned) return `only the creator of a memory may ${verb} it`;
  if (found.memory.scope === 'global' && !isOperator(caller.groups)) return GLOBAL_WRITERS_ONLY;
  return undefined;
}

/**
 * Run one checked request. Embeddings are computed before a connection is taken, so no
 * connection (or row lock) is held while Bedrock answers.
 */
export async function executeMemoryRequest(request: MemoryRequest, deps: MemoryDependencies): Promise<MemoryResult> {
  const withClient = deps.database.withClient.bind(deps.database);
  switch (request.action) {
    case 'create': {
      const { payload } = request;
      if (payload.scope === 'global' && !isOperator(payload.groups)) await refuse(deps.audit, refusal(payload, undefined, 'memory.create'), GLOBAL_WRITERS_ONLY);
      const embedding = await deps.embed(payload.content);
      const memory = await withClient(deps.connectBudgetMs(), (client) => insertMemory(client, payload, payload, embedding));
      return { memory };
    }
    case 'search': {
      const { payload } = request;
      const startedAt = performance.now();
      const embedding = await deps.embed(payload.query);
      const memories = await withClient(deps.connectBudgetMs(), (client) => searchVisible(client, payload, embedding, payload));
      recordMetric('memorySearchLatency', performance.now() - startedAt, {});
      return { memories };
    }
    case 'get': {
      const { payload } = request;
      const found = await withClient(deps.connectBudgetMs(), (client) => findVisible(client, payload, payload.id));
      if (!found) throw notFound(NOT_FOUND);
      return { memory: found.memory };
    }
    case 'update': {
      const { payload } = request;
      const found = await withClient(deps.connectBudgetMs(), (client) => findVisible(client, payload, payload.id));
      if (!found) throw notFound(NOT_FOUND);
      const denied = writeDenial(payload, found, 'change');
      if (denied !== undefined) await refuse(deps.audit, refusal(payload, payload.id, 'memory.update'), denied);
      // Re-embed only when the text actually changes.
      const { content } = payload;
      const embedding = content !== undefined && content !== found.memory.content ? await deps.embed(content) : undefined;
      const memory = await withClient(deps.connectBudgetMs(), (client) => updateOwned(client, payload, payload.id, payload, embedding));
      // Deleted between the read and the write.
      if (!memory) throw notFound(NOT_FOUND);
      return { memory };
    }
    case 'delete': {
      const { payload } = request;
      return withClient(deps.connectBudgetMs(), (client) =>
        inTransaction(client, async () => {
          const found = await findVisible(client, payload, payload.id);
          if (!found) throw notFound(NOT_FOUND);
          const denied = writeDenial(payload, found, 'delete');
          if (denied !== undefined) await refuse(deps.audit, refusal(payload, payload.id, 'memory.delete'), denied);
          // Deleted by a concurrent call since the read: that call recorded it.
          if (!(await deleteOwned(client, payload, payload.id))) throw notFound(NOT_FOUND);
          // Recorded before the commit: a delete whose event cannot be written is rolled back
          // (nothing lost, the caller's retry deletes again), never committed unrecorded.
          await writeAuditEvent(deps.audit, {
            type: 'memory_deleted',
            orgId: payload.orgId,
            userId: payload.userId,
            actor: auditRef('user', payload.userId),
            target: auditRef('memory', payload.id),
            outcome: 'success',
          });
          return { deleted: payload.id };
        }),
      );
    }
    case 'list': {
      const { payload } = request;
      // The cursor is opaque to callers: a malformed one is BAD_REQUEST before any connection.
      const cursor = payload.cursor === undefined ? undefined : decodeCursor(payload.cursor);
      const page = await withClient(deps.connectBudgetMs(), (client) => listVisible(client, payload, { ...payload, cursor }));
      return page.more && page.last ? { memories: page.memories, nextCursor: encodeCursor(page.last) } : { memories: page.memories };
    }
    case 'export': {
      const { payload } = request;
      const cursor = payload.cursor === undefined ? undefined : decodeCursor(payload.cursor);
      const page = await withClient(deps.connectBudgetMs(), (client) => listOwned(client, payload, { limit: payload.limit, cursor }));
      return {
        memories: page.memories,
        ...(page.more && page.last ? { nextCursor: encodeCursor(page.last) } : {}),
        total: page.total,
      };
    }
    case 'erase': {
      // No event per memory: the erasure as a whole is recorded by its caller (user-data's data_erased).
      const erased = await withClient(deps.connectBudgetMs(), (client) => eraseOwned(client, request.payload, MEMORY_ERASE_BATCH));
      return { erased, more: erased === MEMORY_ERASE_BATCH };
    }
  }
}
