/** The parts of an API Gateway WebSocket proxy event FABLE's handlers read. */
export interface WebSocketEvent {
  readonly requestContext: {
    readonly routeKey?: string;
    readonly eventType?: string;
    readonly connectionId?: string;
    /** Set by a Lambda authorizer on `$connect`: principalId plus the context it returned. */
    readonly authorizer?: Readonly<Record<string, unknown>> | null;
  };
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** A WebSocket route's result: API Gateway logs the status; frames go out through PostToConnection. */
export interface WebSocketRouteResponse {
  readonly statusCode: number;
}
