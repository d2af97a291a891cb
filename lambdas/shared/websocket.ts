import { PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ServerFrame, ServerFrameType } from './contract';
import { errorName } from './aws-errors';

export type SendOutcome = 'sent' | 'gone';

/** Build a server frame (DESIGN.md section 7), leaving out absent optional fields. */
export function frame<T extends ServerFrameType>(
  type: T,
  payload: ServerFrame<T>['payload'],
  context: { requestId?: string; conversationId?: string } = {},
): ServerFrame<T> {
  return {
    type,
    ...(context.requestId !== undefined ? { requestId: context.requestId } : {}),
    ...(context.conversationId !== undefined ? { conversationId: context.conversationId } : {}),
    payload,
  };
}

export interface ConnectionSender {
  readonly websocket: ApiGatewayManagementApiClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly connectionsTable: string;
}

/**
 * Send one frame to a connection. A connection that has vanished (GoneException) is deleted
 * from the connections table and reported as `gone`; any other error propagates.
 */
export async function sendToConnection(
  sender: ConnectionSender,
  connectionId: string,
  message: ServerFrame,
): Promise<SendOutcome> {
  try {
    await sender.websocket.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(message)) }),
    );
    return 'sent';
  } catch (error) {
    if (errorName(error) !== 'GoneException') throw error;
    await sender.dynamo.send(new DeleteCommand({ TableName: sender.connectionsTable, Key: { connectionId } }));
    return 'gone';
  }
}
