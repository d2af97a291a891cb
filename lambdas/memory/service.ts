import type { MemoryResponses } from '../shared/contract';
import type { Database } from '../shared/database/database';
import { forbidden, notFound } from '../shared/responses';
import { encodeCursor } from './cursor';
import type { Embedder } from './embeddings';
import type { ParsedMemoryRequest } from './requests';
import { deleteOwned, findVisible, insertMemory, isVisible, listVisible, searchVisible, updateOwned } from './store';

export interface MemoryDependencies {
  readonly database: Database;
  readonly embed: Embedder;
  /** How long getting a database connection may keep retrying (evaluated when connecting). */
  readonly connectBudgetMs: () => number;
}

export type MemoryResult = MemoryResponses[keyof MemoryResponses];

const NOT_FOUND = 'memory not found';

/**
 * Run one validated request. Embeddings are computed before a connection is taken, so no
 * connection (or row lock) is held while Bedrock answers.
 */
export async function executeMemoryRequest(request: ParsedMemoryRequest, deps: MemoryDependencies): Promise<MemoryResult> {
  const withClient = deps.database.withClient.bind(deps.database);
  const { caller } = request;
  switch (request.action) {
    case 'create': {
      const embedding = await deps.embed(request.content);
      const memory = await withClient(deps.connectBudgetMs(), (client) =>
        insertMemory(client, caller, { content: request.content, scope: request.scope, ...request.fields }, embedding),
      );
      return { memory };
    }
    case 'search': {
      const embedding = await deps.embed(request.query);
      const memories = await withClient(deps.connectBudgetMs(), (client) => searchVisible(client, caller, embedding, request));
      return { memories };
    }
    case 'get': {
      const found = await withClient(deps.connectBudgetMs(), (client) => findVisible(client, caller, request.id));
      if (!found) throw notFound(NOT_FOUND);
      return { memory: found.memory };
    }
    case 'update': {
      const found = await withClient(deps.connectBudgetMs(), (client) => findVisible(client, caller, request.id));
      if (!found) throw notFound(NOT_FOUND);
      if (!found.owned) throw forbidden('only the creator of a memory may change it');
      const { content } = request.changes;
      // Re-embed only when the text actually changes.
      const embedding = content !== undefined && content !== found.memory.content ? await deps.embed(content) : undefined;
      const memory = await withClient(deps.connectBudgetMs(), (client) =>
        updateOwned(client, caller, request.id, request.changes, embedding),
      );
      // Deleted between the read and the write.
      if (!memory) throw notFound(NOT_FOUND);
      return { memory };
    }
    case 'delete': {
      return withClient(deps.connectBudgetMs(), async (client) => {
        if (await deleteOwned(client, caller, request.id)) return { deleted: request.id };
        if (await isVisible(client, caller, request.id)) throw forbidden('only the creator of a memory may delete it');
        throw notFound(NOT_FOUND);
      });
    }
    case 'list': {
      const page = await withClient(deps.connectBudgetMs(), (client) => listVisible(client, caller, request));
      return page.more && page.last ? { memories: page.memories, nextCursor: encodeCursor(page.last) } : { memories: page.memories };
    }
  }
}
