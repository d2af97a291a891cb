import { Construct } from 'constructs';
import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Authorizer } from '@cdktf/provider-aws/lib/apigatewayv2-authorizer';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { WebSocketBinding } from '../../lambdas/shared/contract';
import { FableStage } from '../stage/fable-stage';
import { LogGroup } from '../observability/log-group';
import type { NodeLambda } from '../compute/node-lambda';
import type { BindingProvider, ResolvedBinding } from '../bindings/binding-provider';

export type WebSocketRouteKey = '$connect' | '$disconnect' | '$default';

/**
 * FABLE never defines custom routes: the router handles every frame. The protocol has no
 * `action` field, so this expression never matches a route key and every frame lands on `$default`.
 */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';

/**
 * One JSON object per access-log line, from WebSocket `$context` variables. None of them holds a
 * header or the query string, where a client's token travels at `$connect`.
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  messageId: '$context.messageId',
  status: '$context.status',
  sourceIp: '$context.identity.sourceIp',
  principalId: '$context.authorizer.principalId',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
});

/**
 * The WebSocket API `fable-<stage>-websocket` with its auto-deployed stage, access logs and
 * throttling. Functions are attached with `addLambdaRoute`; Lambdas that push frames bind to it
 * for its management endpoint and the right to post to connections.
 */
export class WebSocketApi extends Construct implements BindingProvider<WebSocketBinding> {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly accessLogs: LogGroup;
  /** `https://<api>.execute-api.<region>.<dnsSuffix>/<stage>`: the endpoint PostToConnection calls. */
  readonly managementEndpoint: string;
  /** `wss://<api>.execute-api.<region>.<dnsSuffix>/<stage>`: what clients connect to. */
  readonly url: string;
  private readonly stageName: string;
  private connectAuthorizer?: Apigatewayv2Authorizer;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stage = FableStage.of(this);
    const { config, env } = stage;
    const component = 'websocket';
    const name = stage.name(component);
    this.stageName = config.stage;

    this.api = new Apigatewayv2Api(this, 'api', {
      name,
      description: `FABLE WebSocket API (${config.stage})`,
      protocolType: 'WEBSOCKET',
      routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });
    this.accessLogs = new LogGroup(this, 'access-logs', { name: `/aws/apigateway/${name}` });
    this.stage = new Apigatewayv2Stage(this, 'stage', {
      apiId: this.api.id,
      name: this.stageName,
      autoDeploy: true,
      accessLogSettings: { destinationArn: this.accessLogs.arn, format: ACCESS_LOG_FORMAT },
      defaultRouteSettings: {
        throttlingBurstLimit: config.websocket.throttlingBurstLimit,
        throttlingRateLimit: config.websocket.throttlingRateLimit,
        // Full request logging would write every $connect's headers and query string: its token.
        dataTraceEnabled: false,
      },
    });
    this.managementEndpoint = `https://${this.api.id}.execute-api.${env.region}.${env.dnsSuffix}/${this.stageName}`;
    this.url = this.stage.invokeUrl;
    stage.provide<WebSocketBinding>('websocket', this);
    stage.monitor({ kind: 'websocket-api', component, apiId: this.api.id, stage: this.stageName });
  }

  /**
   * Put a Lambda REQUEST authorizer in front of `$connect`, the one route a WebSocket API
   * authorizes (its answer holds for the connection's life), with a permission for this authorizer only.
   */
  authorizeConnect(fn: NodeLambda): void {
    if (this.connectAuthorizer) throw new Error('The $connect route already has an authorizer.');
    this.connectAuthorizer = new Apigatewayv2Authorizer(this, 'connect-authorizer', {
      apiId: this.api.id,
      name: fn.functionName,
      authorizerType: 'REQUEST',
      authorizerUri: fn.function.invokeArn,
      // No identity sources: API Gateway itself answers 401 unless every listed source is present,
      // and a token comes in one of two places (subprotocol header or query string). The function decides.
    });
    new LambdaPermission(this, 'connect-authorizer-permission', {
      statementId: 'AllowWebSocketConnectAuthorizer',
      action: 'lambda:InvokeFunction',
      functionName: fn.function.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.api.executionArn}/authorizers/${this.connectAuthorizer.id}`,
    });
  }

  /**
   * Send a route's events to a function: proxy integration, route, and an invoke permission for
   * exactly that route. `$connect` goes through the authorizer, which must be in place first.
   */
  addLambdaRoute(routeKey: WebSocketRouteKey, fn: NodeLambda): Apigatewayv2Route {
    const id = routeKey.slice(1);
    const authorizer = routeKey === '$connect' ? this.connectAuthorizer : undefined;
    if (routeKey === '$connect' && !authorizer) throw new Error('The $connect route needs its authorizer: call authorizeConnect first.');
    const integration = new Apigatewayv2Integration(this, `${id}-integration`, {
      apiId: this.api.id,
      integrationType: 'AWS_PROXY',
      integrationMethod: 'POST',
      integrationUri: fn.function.invokeArn,
      description: `${routeKey} -> ${fn.functionName}`,
    });
    const route = new Apigatewayv2Route(this, `${id}-route`, {
      apiId: this.api.id,
      routeKey,
      target: `integrations/${integration.id}`,
      authorizationType: authorizer ? 'CUSTOM' : 'NONE',
      authorizerId: authorizer?.id,
    });
    new LambdaPermission(this, `${id}-permission`, {
      statementId: `AllowWebSocket-${id}`,
      action: 'lambda:InvokeFunction',
      functionName: fn.function.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.api.executionArn}/${this.stageName}/${routeKey}`,
    });
    return route;
  }

  /** The management endpoint, and the right to post to (so push frames over) this stage's connections, nothing else. */
  resolveBinding(): ResolvedBinding {
    return {
      value: this.managementEndpoint,
      statements: [{ actions: ['execute-api:ManageConnections'], resources: [`${this.api.executionArn}/${this.stageName}/POST/@connections/*`] }],
    };
  }
}
