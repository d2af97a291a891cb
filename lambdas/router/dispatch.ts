import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  buildKickoffResponses,
  memoryResponses,
  userDataResponse,
  type CallerIdentity,
  type BuildKickoffCancelEvent,
  type BuildKickoffReviewEvent,
  type BuildKickoffStartEvent,
  type BuildStatus,
  type ReviewDecision,
  type Caller,
  type ChatEvent,
  type DataAction,
  type MemoryEvent,
  type UserDataEvent,
  type UserDataResponse,
} from '../shared/contract';
import { invokeAsync, invokeDirect } from '../shared/invoke';

/** The memory type stored for a "remember this" message. */
export const REMEMBERED_MEMORY_TYPE = 'fact';

/**
 * Whom a frame comes from: the identity of its connection record, never anything the frame says.
 * Every hand-off gets the whole caller and passes on what its callee's event takes.
 */
export interface FrameCaller extends Caller {
  readonly connectionId: string;
}

export interface ChatRequest {
  readonly requestId: string;
  readonly conversationId: string;
  readonly content: string;
}

/** Chat streams its reply itself, so the router only queues it (Lambda retries; chat is idempotent by requestId). */
export async function handOffToChat(lambda: LambdaClient, functionName: string, caller: FrameCaller, request: ChatRequest): Promise<void> {
  const event: ChatEvent = { connectionId: caller.connectionId, userId: caller.userId, orgId: caller.orgId, ...request };
  await invokeAsync(lambda, functionName, event);
}

export interface BuildRequest {
  readonly request: string;
  readonly conversationId?: string;
  /** The frame's requestId: a resent frame returns the same build instead of starting another. */
  readonly requestId: string;
}

export async function startBuild(lambda: LambdaClient, functionName: string, caller: FrameCaller, input: BuildRequest): Promise<string> {
  const event: BuildKickoffStartEvent = {
    action: 'start',
    payload: {
      request: input.request,
      userId: caller.userId,
      orgId: caller.orgId,
      connectionId: caller.connectionId,
      ...(input.conversationId !== undefined ? { conversationId: input.conversationId } : {}),
      idempotencyKey: input.requestId,
    },
  };
  return (await invokeDirect(lambda, functionName, event, buildKickoffResponses.start)).buildId;
}

export async function rememberFact(lambda: LambdaClient, functionName: string, caller: FrameCaller, content: string): Promise<string> {
  const event: MemoryEvent = {
    action: 'create',
    payload: { content, scope: 'user', type: REMEMBERED_MEMORY_TYPE, userId: caller.userId, orgId: caller.orgId },
  };
  return (await invokeDirect(lambda, functionName, event, memoryResponses.create)).memory.id;
}

export interface DataRequest {
  readonly action: DataAction;
  /** The frame's requestId: a resent frame is answered from the request already made. */
  readonly requestId: string;
}

/**
 * A user's export or erasure, waited for (user-data's timeout is within the router's): its
 * answer, the URL and counts, is what the `data_ready` frame carries.
 */
export async function requestData(lambda: LambdaClient, functionName: string, caller: FrameCaller, input: DataRequest): Promise<UserDataResponse> {
  const event: UserDataEvent = { action: input.action, payload: { userId: caller.userId, orgId: caller.orgId, requestId: input.requestId } };
  return invokeDirect(lambda, functionName, event, userDataResponse);
}

/** The caller as build-kickoff checks it against the build (owner, or an admin of its org). */
const buildCaller = (caller: FrameCaller): CallerIdentity => ({ userId: caller.userId, orgId: caller.orgId, orgRole: caller.orgRole, groups: [...caller.groups] });

export interface BuildReviewRequest {
  readonly buildId: string;
  readonly decision: ReviewDecision;
  readonly reason?: string;
}

/** A decision on a build's artifacts; build-kickoff decides whether this caller may make it. */
export async function reviewBuild(lambda: LambdaClient, functionName: string, caller: FrameCaller, input: BuildReviewRequest): Promise<BuildStatus> {
  const event: BuildKickoffReviewEvent = {
    action: 'review',
    payload: { buildId: input.buildId, decision: input.decision, ...(input.reason !== undefined ? { reason: input.reason } : {}), caller: buildCaller(caller) },
  };
  return (await invokeDirect(lambda, functionName, event, buildKickoffResponses.review)).status;
}

/** Stop a build; build-kickoff decides whether this caller may. */
export async function cancelBuild(lambda: LambdaClient, functionName: string, caller: FrameCaller, buildId: string): Promise<BuildStatus> {
  const event: BuildKickoffCancelEvent = { action: 'cancel', payload: { buildId, caller: buildCaller(caller) } };
  return (await invokeDirect(lambda, functionName, event, buildKickoffResponses.cancel)).status;
}
