import { memoryResponses, type Memory, type MemoryEvent } from '../shared/contract';
import { invokeDirect } from '../shared/invoke';
import type { DataSubject, UserDataDeps } from './deps';

/** Who memory is asked for: exactly the user and org (its payloads take no other field). */
const caller = ({ userId, orgId }: DataSubject) => ({ userId, orgId });

/** The memories the user created, every page of them (the memory Lambda owns the database). */
export async function exportMemories(deps: UserDataDeps, subject: DataSubject): Promise<Memory[]> {
  const memories: Memory[] = [];
  let cursor: string | undefined;
  do {
    const event: MemoryEvent = { action: 'export', payload: { ...caller(subject), ...(cursor !== undefined ? { cursor } : {}) } };
    const page = await invokeDirect(deps.lambda, deps.settings.memoryFunctionName, event, memoryResponses.export);
    memories.push(...page.memories);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return memories;
}

/** How many memories the user created. */
export async function countMemories(deps: UserDataDeps, subject: DataSubject): Promise<number> {
  const event: MemoryEvent = { action: 'export', payload: { ...caller(subject), limit: 1 } };
  return (await invokeDirect(deps.lambda, deps.settings.memoryFunctionName, event, memoryResponses.export)).total;
}

/** Delete every memory the user created, a batch per call until none is left. */
export async function eraseMemories(deps: UserDataDeps, subject: DataSubject): Promise<void> {
  const event: MemoryEvent = { action: 'erase', payload: caller(subject) };
  let more = true;
  while (more) more = (await invokeDirect(deps.lambda, deps.settings.memoryFunctionName, event, memoryResponses.erase)).more;
}
