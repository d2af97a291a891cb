import { Construct } from 'constructs';
import { NodeLambda } from '../compute/node-lambda';
import type { WebSocketApi } from '../api/websocket-api';

export interface ConversationFunctionsProps {
  readonly websocket: WebSocketApi;
}

/**
 * The conversation path: connection-manager (`$connect`/`$disconnect`), router (`$default`) and
 * chat (async from the router, with bounded retries and a dead-letter queue from its contract
 * settings); each one's environment and permissions come from its bindings.
 * None of them touch the database, so none runs in the VPC.
 */
export class ConversationFunctions extends Construct {
  readonly connectionManager: NodeLambda<'connection-manager'>;
  readonly router: NodeLambda<'router'>;
  readonly chat: NodeLambda<'chat'>;

  constructor(scope: Construct, id: string, props: ConversationFunctionsProps) {
    super(scope, id);
    const { websocket } = props;

    this.connectionManager = new NodeLambda(this, 'connection-manager', {
      name: 'connection-manager',
      description: 'Stores and removes WebSocket connections ($connect / $disconnect)',
    });
    this.chat = new NodeLambda(this, 'chat', {
      name: 'chat',
      description: 'Streams replies from Bedrock to a WebSocket connection, with memories and tools',
    });
    this.router = new NodeLambda(this, 'router', {
      name: 'router',
      description: 'Validates WebSocket frames, classifies intent and hands them to chat, build-kickoff or memory',
    });

    websocket.addLambdaRoute('$connect', this.connectionManager);
    websocket.addLambdaRoute('$disconnect', this.connectionManager);
    websocket.addLambdaRoute('$default', this.router);
  }
}
