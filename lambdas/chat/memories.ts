import type { LambdaClient } from '@aws-sdk/client-lambda';
import { memoryResponses, type MemoryEvent } from '../shared/contract';
import { describeError } from '../shared/responses';
import { invokeDirect } from '../shared/invoke';
import { log } from '../shared/telemetry';

export interface MemorySearch {
  readonly query: string;
  readonly userId: string;
  readonly orgId: string;
}

export interface MemorySearchSettings {
  readonly functionName: string;
  readonly limit: number;
  /** Memories improve a reply but never block it: past this, chat answers without them. */
  readonly timeoutMs: number;
}

/** Longest query embedded for the search, and longest memory put in the prompt. */
const MAX_QUERY_CHARS = 2_000;
const MAX_MEMORY_CHARS = 1_000;

/** The contents of the memories most relevant to the message; [] when memory is down or slow. */
export async function relevantMemories(
  lambda: LambdaClient,
  settings: MemorySearchSettings,
  search: MemorySearch,
): Promise<string[]> {
  const event: MemoryEvent = {
    action: 'search',
    payload: { query: search.query.slice(0, MAX_QUERY_CHARS), limit: settings.limit, userId: search.userId, orgId: search.orgId },
  };
  try {
    const { memories } = await invokeDirect(lambda, settings.functionName, event, memoryResponses.search, {
      abortSignal: AbortSignal.timeout(settings.timeoutMs),
    });
    return memories.slice(0, settings.limit).map((memory) => memory.content.slice(0, MAX_MEMORY_CHARS));
  } catch (error) {
    log.warn('memory search failed; answering without memories', { error: describeError(error) });
    return [];
  }
}
