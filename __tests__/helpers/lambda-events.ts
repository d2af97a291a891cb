import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { WebSocketEvent } from '../../lambdas/shared/websocket-route';

/** A Lambda context as the runtime passes it, with this much time left. */
export function lambdaContext(remainingMs: number, functionName = 'fable-test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-west-2:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface WebSocketEventOptions {
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly authorizer?: Record<string, unknown>;
  /** The handshake's headers (`$connect`). */
  readonly headers?: Record<string, string>;
}

const EVENT_TYPES: Record<string, 'CONNECT' | 'DISCONNECT' | 'MESSAGE'> = { $connect: 'CONNECT', $disconnect: 'DISCONNECT' };

/**
 * A WebSocket route event as API Gateway sends it. A missing `connectionId` makes one API Gateway
 * never sends, for the handlers' own checks.
 */
export function websocketEvent(routeKey: string, connectionId: string | undefined, options: WebSocketEventOptions = {}): WebSocketEvent {
  const requestContext = {
    routeKey,
    messageId: 'msg-1',
    eventType: EVENT_TYPES[routeKey] ?? 'MESSAGE',
    extendedRequestId: 'ext-1',
    requestTime: '01/Jan/2026:00:00:00 +0000',
    messageDirection: 'IN' as const,
    stage: 'test',
    connectedAt: 1_767_225_600_000,
    requestTimeEpoch: 1_767_225_600_000,
    requestId: 'req-1',
    domainName: 'abc123.execute-api.us-west-2.amazonaws.com',
    apiId: 'abc123',
    ...(connectionId !== undefined ? { connectionId } : {}),
    ...(options.authorizer ? { authorizer: options.authorizer } : {}),
  };
  return {
    requestContext,
    isBase64Encoded: options.isBase64Encoded ?? false,
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  } as WebSocketEvent;
}

/** The `$connect` method ARN a WebSocket REQUEST authorizer is asked about. */
export const CONNECT_METHOD_ARN = 'arn:aws:execute-api:us-west-2:123456789012:abc123/test/$connect';

/** A WebSocket REQUEST authorizer event for `$connect`, as API Gateway sends it (no identity sources configured). */
export function authorizerEvent(options: { headers?: Record<string, string>; query?: Record<string, string> } = {}): Record<string, unknown> {
  const headers = { Host: 'abc123.execute-api.us-west-2.amazonaws.com', 'Sec-WebSocket-Version': '13', ...options.headers };
  return {
    type: 'REQUEST',
    methodArn: CONNECT_METHOD_ARN,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    ...(options.query
      ? {
          queryStringParameters: options.query,
          multiValueQueryStringParameters: Object.fromEntries(Object.entries(options.query).map(([name, value]) => [name, [value]])),
        }
      : {}),
    stageVariables: {},
    requestContext: { routeKey: '$connect', eventType: 'CONNECT', stage: 'test', connectionId: 'conn-auth=', apiId: 'abc123', requestId: 'req-1' },
  };
}
