import type { LambdaClient } from '@aws-sdk/client-lambda';
import { ERROR_CODES, type BuildKickoffStartEvent, type ChatEvent, type ErrorCode, type MemoryEvent } from '../shared/contract';
import { HandlerError } from '../shared/responses';
import { invokeAsync, invokeJson } from '../shared/invoke';
import { isObject } from '../shared/validation';

/** The memory type stored for a "remember this" message. */
export const REMEMBERED_MEMORY_TYPE = 'fact';

/** Chat streams its reply itself, so the router only queues it (Lambda retries; chat is idempotent by requestId). */
export async function handOffToChat(lambda: LambdaClient, functionName: string, event: ChatEvent): Promise<void> {
  await invokeAsync(lambda, functionName, event);
}

/**
 * Read a direct-invoke response (DESIGN.md section 4): `{success:true,...}` is returned,
 * `{success:false,error}` becomes a HandlerError carrying the callee's code and message.
 */
function successBody(functionName: string, response: unknown): Record<string, unknown> {
  if (!isObject(response)) throw new Error(`${functionName} returned no response object`);
  if (response.success === true) return response;
  const error = isObject(response.error) ? response.error : {};
  const code = (ERROR_CODES as readonly unknown[]).includes(error.code) ? (error.code as ErrorCode) : 'INTERNAL';
  const message = typeof error.message === 'string' ? error.message : `${functionName} failed`;
  throw new HandlerError(code, message);
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
  const body = successBody(functionName, await invokeJson(lambda, functionName, event));
  if (typeof body.buildId !== 'string') throw new Error(`${functionName} returned no buildId`);
  return body.buildId;
}

export interface RememberRequest {
  readonly content: string;
  readonly userId: string;
  readonly orgId: string;
}

export async function rememberFact(lambda: LambdaClient, functionName: string, input: RememberRequest): Promise<string> {
  const event: MemoryEvent = {
    action: 'create',
    payload: {
      content: input.content,
      scope: 'user',
      type: REMEMBERED_MEMORY_TYPE,
      userId: input.userId,
      orgId: input.orgId,
    },
  };
  const body = successBody(functionName, await invokeJson(lambda, functionName, event));
  const memory = isObject(body.memory) ? body.memory : {};
  if (typeof memory.id !== 'string') throw new Error(`${functionName} returned no memory id`);
  return memory.id;
}
