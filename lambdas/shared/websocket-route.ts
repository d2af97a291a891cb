/** What a WebSocket route handler receives and answers (frames go out through ./websocket). */
import type {
  APIGatewayEventWebsocketRequestContextV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayProxyWebsocketEventV2WithRequestContext,
} from 'aws-lambda';
import * as z from 'zod';
import { opaqueId } from './contract';

/**
 * A WebSocket route event; on `$connect`, `authorizer` holds the authorizer's principalId and
 * context, and `headers` the handshake's headers (which may carry a token: never log them).
 */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2WithRequestContext<
  APIGatewayEventWebsocketRequestContextV2 & { readonly authorizer?: Readonly<Record<string, unknown>> | null }
> & { readonly headers?: Readonly<Record<string, string | undefined>> | null };

/** What every route handler needs of `requestContext`: the connection id, which becomes a table key. */
export const routeContext = z.object({ connectionId: opaqueId });

/** A route's result: API Gateway logs the status; frames go out through PostToConnection. */
export type RouteResponse = APIGatewayProxyStructuredResultV2;
export const routeResponse = (statusCode: number): RouteResponse => ({ statusCode });
