import { Construct } from 'constructs';
import { NodeLambda } from '../compute/node-lambda';
import type { WebSocketApi } from '../api/websocket-api';

export interface ConnectAuthorizerProps {
  readonly websocket: WebSocketApi;
}

/**
 * The door of the WebSocket API: `fable-<stage>-ws-authorizer` verifies the Cognito ID token a
 * client presents at `$connect` and hands its identity to the connection. It binds to the user
 * pool's and client's ids; its role holds nothing but its logs and traces.
 */
export class ConnectAuthorizer extends Construct {
  readonly authorizer: NodeLambda<'ws-authorizer'>;

  constructor(scope: Construct, id: string, props: ConnectAuthorizerProps) {
    super(scope, id);
    this.authorizer = new NodeLambda(this, 'ws-authorizer', {
      name: 'ws-authorizer',
      description: 'Verifies the Cognito ID token of a WebSocket $connect and returns the caller identity',
    });
    props.websocket.authorizeConnect(this.authorizer);
  }
}
