import { Construct } from 'constructs';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import type { StageConfig } from '../config';
import type { AwsEnvironment } from '../platform/aws-environment';
import type { LambdaBundles } from '../bundling/lambda-bundle';
import type { FableTables } from '../data/tables';
import type { FableRole } from '../iam/fable-role';
import { grantBedrockInvoke } from '../iam/bedrock';
import { NodeLambda, type InvokableFunction } from '../compute/node-lambda';
import type { WebSocketApi } from '../api/websocket-api';

/** What chat needs from tool hosting: the grant to invoke deployed tools (`fable-<stage>-tool-*` only). */
export interface ToolInvocation {
  grantInvokeTools(role: FableRole): void;
}

export interface ConversationFunctionsProps {
  readonly config: StageConfig;
  readonly env: AwsEnvironment;
  readonly bundles: LambdaBundles;
  readonly tables: FableTables;
  readonly websocket: WebSocketApi;
  readonly memory: InvokableFunction;
  readonly buildKickoff: InvokableFunction;
  readonly tools: ToolInvocation;
}

/** A streamed reply with up to three tool rounds, each a model call plus tool invocations. */
export const CHAT_TIMEOUT_SECONDS = 120;
/** The router answers a live socket: classify (3 s budget) and hand off, never more than this. */
export const ROUTER_TIMEOUT_SECONDS = 20;
export const CONNECTION_MANAGER_TIMEOUT_SECONDS = 10;
/** Lambda retries a failed chat twice; a reply older than this is no longer worth sending. */
export const CHAT_MAX_EVENT_AGE_SECONDS = 600;

/**
 * The conversation path: connection-manager (`$connect`/`$disconnect`), router (`$default`) and
 * chat (async from the router), each with exactly the permissions its handler uses. None of them
 * touch the database, so none runs in the VPC.
 */
export class ConversationFunctions extends Construct {
  readonly connectionManager: NodeLambda<'connection-manager'>;
  readonly router: NodeLambda<'router'>;
  readonly chat: NodeLambda<'chat'>;

  constructor(scope: Construct, id: string, props: ConversationFunctionsProps) {
    super(scope, id);
    const { config, env, tables, websocket } = props;

    this.connectionManager = new NodeLambda(this, 'connection-manager', {
      config,
      env,
      name: 'connection-manager',
      description: 'Stores and removes WebSocket connections ($connect / $disconnect)',
      bundles: props.bundles,
      timeoutSeconds: CONNECTION_MANAGER_TIMEOUT_SECONDS,
      environment: {
        CONNECTIONS_TABLE: tables.connections.name,
        CONNECTION_TTL_SECONDS: String(config.connectionTtlSeconds),
      },
    });
    tables.connections.grant(this.connectionManager.role, ['dynamodb:PutItem', 'dynamodb:DeleteItem']);

    this.chat = new NodeLambda(this, 'chat', {
      config,
      env,
      name: 'chat',
      description: 'Streams replies from Bedrock to a WebSocket connection, with memories and tools',
      bundles: props.bundles,
      memorySize: 512,
      timeoutSeconds: CHAT_TIMEOUT_SECONDS,
      environment: {
        CONNECTIONS_TABLE: tables.connections.name,
        CONVERSATIONS_TABLE: tables.conversations.name,
        TOOLS_TABLE: tables.tools.name,
        WEBSOCKET_ENDPOINT: websocket.managementEndpoint,
        CHAT_MODEL_ID: config.models.chatModelId,
        MEMORY_FUNCTION_NAME: props.memory.functionName,
      },
    });
    const chatRole = this.chat.role;
    // sendToConnection deletes a connection that is gone.
    tables.connections.grant(chatRole, ['dynamodb:DeleteItem']);
    tables.conversations.grant(chatRole, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    tables.tools.grant(chatRole, ['dynamodb:Query']);
    grantBedrockInvoke(chatRole, env, [config.models.chatModelId], ['bedrock:InvokeModelWithResponseStream']);
    props.memory.grantInvoke(chatRole);
    props.tools.grantInvokeTools(chatRole);
    websocket.grantManageConnections(chatRole);
    new LambdaFunctionEventInvokeConfig(this, 'chat-async', {
      functionName: this.chat.function.functionName,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: CHAT_MAX_EVENT_AGE_SECONDS,
    });

    this.router = new NodeLambda(this, 'router', {
      config,
      env,
      name: 'router',
      description: 'Validates WebSocket frames, classifies intent and hands them to chat, build-kickoff or memory',
      bundles: props.bundles,
      timeoutSeconds: ROUTER_TIMEOUT_SECONDS,
      environment: {
        CONNECTIONS_TABLE: tables.connections.name,
        WEBSOCKET_ENDPOINT: websocket.managementEndpoint,
        ROUTER_MODEL_ID: config.models.routerModelId,
        CHAT_FUNCTION_NAME: this.chat.functionName,
        BUILD_KICKOFF_FUNCTION_NAME: props.buildKickoff.functionName,
        MEMORY_FUNCTION_NAME: props.memory.functionName,
      },
    });
    const routerRole = this.router.role;
    tables.connections.grant(routerRole, ['dynamodb:GetItem', 'dynamodb:DeleteItem']);
    grantBedrockInvoke(routerRole, env, [config.models.routerModelId], ['bedrock:InvokeModel']);
    this.chat.grantInvoke(routerRole);
    props.buildKickoff.grantInvoke(routerRole);
    props.memory.grantInvoke(routerRole);
    websocket.grantManageConnections(routerRole);

    websocket.addLambdaRoute('$connect', this.connectionManager);
    websocket.addLambdaRoute('$disconnect', this.connectionManager);
    websocket.addLambdaRoute('$default', this.router);
  }
}
