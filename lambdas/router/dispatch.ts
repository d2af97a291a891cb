import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  buildKickoffResponses,
  memoryResponses,
  userDataResponse,
  type BuildKickoffStartEvent,
  type ChatEvent,
  type DataAction,
  type MemoryEvent,
  type UserDataEvent,
  type UserDataResponse,
} from '../shared/contract';
import { invokeAsync, invokeDirect } from '../shared/invoke';

/** The memory type stored for a "remember this" message. */
export const REMEMBERED_MEMORY_TYPE = 'fact';

/** Chat streams its reply itself, so the router only queues it (Lambda retries; chat is idempotent by requestId). */
export async function handOffToChat(lambda: LambdaClient, functionName: string, event: ChatEvent): Promise<void> {
  await invokeAsync(lambda, functionName, event);
}

export interface BuildRequest {
  readonly request: string;
  readonly userId: string;
  readonly orgId: string;
  readonly connectionId: string;
  readonly conversationId?: string;
  /** The frame's requestId: a resent frame returns the same build instead of starting another. */
  readonly requestId: string;
}

export async function startBuild(lambda: LambdaClient, functionName: string, input: BuildRequest): Promise<string> {
  const event: BuildKickoffStartEvent = {
    action: 'start',
    payload: {
      request: input.request,
      userId: input.userId,
      orgId: input.orgId,
      connectionId: input.connectionId,
      ...(input.conversationId !== undefined ? { conversationId: input.conversationId } : {}),
      idempotencyKey: input.requestId,
    },
  };
  return (await invokeDirect(lambda, functionName, event, buildKickoffResponses.start)).buildId;
}

export interface RememberRequest {
  readonly content: string;
  readonly userId: string;
  readonly orgId: string;
}

export async function rememberFact(lambda: LambdaClient, functionName: string, input: RememberRequest): Promise<string> {
  const event: MemoryEvent = {
    action: 'create',
    payload: { content: input.content, scope: 'user', type: REMEMBERED_MEMORY_TYPE, userId: input.userId, orgId: input.orgId },
  };
  return (await invokeDirect(lambda, functionName, event, memoryResponses.create)).memory.id;
}

export interface DataRequest {
  readonly action: DataAction;
  readonly userId: string;
  readonly orgId: string;
  /** The frame's requestId: a resent frame is answered from the request already made. */
  readonly requestId: string;
}

/**
 * A user's export or erasure, waited for (user-data's timeout is within the router's): its
 * answer, the URL and counts, is what the `data_ready` frame carries.
 */
export async function requestData(lambda: LambdaClient, functionName: string, input: DataRequest): Promise<UserDataResponse> {
  const event: UserDataEvent = { action: input.action, payload: { userId: input.userId, orgId: input.orgId, requestId: input.requestId } };
  return invokeDirect(lambda, functionName, event, userDataResponse);
}
