import { FUNCTION_SETTINGS, ROUTER_CLASSIFY_TIMEOUT_SECONDS, type InvokeBinding } from '../../../lambdas/shared/contract';
import { FableTables } from '../../../src/data/tables';
import { ArtifactsBucket } from '../../../src/data/artifacts-bucket';
import { ToolHosting } from '../../../src/tools/tool-hosting';
import { WebSocketApi } from '../../../src/api/websocket-api';
import { ConversationFunctions } from '../../../src/conversation/conversation-functions';
import { ConnectAuthorizer } from '../../../src/identity/connect-authorizer';
import { UserPool } from '../../../src/identity/user-pool';
import { findResource, resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

const { stack, stage } = testStage();
const { config } = stage;
let json: StackJson;

/** Stand-ins for functions other constructs own: bindings give their name and an invoke grant on their ARN. */
function otherFunction(name: 'memory' | 'build-kickoff' | 'user-data'): void {
  const arn = `arn:aws:lambda:us-west-2:123456789012:function:fable-dev-${name}`;
  stage.provide<InvokeBinding>(`function:${name}`, {
    resolveBinding: () => ({ value: `fable-dev-${name}`, statements: [{ actions: ['lambda:InvokeFunction'], resources: [arn] }] }),
  });
}

beforeAll(() => {
  new FableTables(stack, 'tables');
  const websocket = new WebSocketApi(stack, 'websocket');
  otherFunction('memory');
  otherFunction('build-kickoff');
  otherFunction('user-data');
  // The tool-deployer reads tool bundles from the artifacts bucket.
  new ArtifactsBucket(stack, 'artifacts');
  new ToolHosting(stack, 'tools');
  new UserPool(stack, 'users');
  new ConnectAuthorizer(stack, 'door', { websocket });
  new ConversationFunctions(stack, 'conversation', { websocket });
  json = synthJson(stack);
});

const fn = (name: string) => findResource(json, 'aws_lambda_function', (f) => f.function_name === `fable-dev-${name}`);

/**
 * The statements of a function's role policy, keyed by action for easy lookup. The audit trail's
 * Deny, which every role carries, is proven in roles-vs-code.test.ts and left out here.
 */
function statements(name: string): { Sid?: string; Action: string | string[]; Resource: string | string[] }[] {
  const role = findResource(json, 'aws_iam_role', (r) => r.name === `fable-dev-${name}`);
  const roleRef = Object.entries(json.resource.aws_iam_role).find(([, r]) => r === role)![0];
  const policy = findResource(json, 'aws_iam_role_policy', (p) => p.role === `\${aws_iam_role.${roleRef}.id}`);
  return (JSON.parse(policy.policy).Statement as { Sid?: string; Action: string | string[]; Resource: string | string[] }[]).filter(
    (statement) => statement.Sid !== 'AuditTrailIsAppendOnly',
  );
}

const actionsOf = (name: string) =>
  statements(name)
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))
    .sort();

const tableRef = (component: string) => new RegExp(`^\\$\\{aws_dynamodb_table\\.[\\w-]*${component}[\\w-]*\\.arn\\}`);

describe('ConversationFunctions', () => {
  it('creates the three functions outside the VPC with timeouts fit for their work', () => {
    expect(fn('connection-manager').timeout).toBe(10);
    // The router outlasts the functions it waits for (memory may be waiting out an Aurora resume, user-data erasing a user).
    expect(fn('router').timeout).toBe(FUNCTION_SETTINGS.router.timeoutSeconds);
    expect(FUNCTION_SETTINGS.router.timeoutSeconds).toBeGreaterThan(
      ROUTER_CLASSIFY_TIMEOUT_SECONDS + Math.max(FUNCTION_SETTINGS.memory.timeoutSeconds, FUNCTION_SETTINGS['build-kickoff'].timeoutSeconds),
    );
    expect(FUNCTION_SETTINGS.router.timeoutSeconds).toBeGreaterThan(FUNCTION_SETTINGS['user-data'].timeoutSeconds);
    expect(fn('chat').timeout).toBe(120);
    for (const name of ['connection-manager', 'router', 'chat']) expect(fn(name).vpc_config).toBeUndefined();
  });

  it('gives each function exactly its contract environment variables', () => {
    const variables = (name: string) => Object.keys(fn(name).environment.variables).filter((k) => k !== 'NODE_OPTIONS').sort();
    expect(variables('connection-manager')).toEqual(['AUDIT_TABLE', 'CONNECTIONS_TABLE', 'CONNECTION_TTL_SECONDS', 'LOG_LEVEL', 'STAGE']);
    expect(variables('router')).toEqual([
      'AUDIT_TABLE',
      'BUILD_KICKOFF_FUNCTION_NAME',
      'CHAT_FUNCTION_NAME',
      'CONNECTIONS_TABLE',
      'LOG_LEVEL',
      'MEMORY_FUNCTION_NAME',
      'QUOTAS_TABLE',
      'QUOTA_LIMITS',
      'ROUTER_MODEL_ID',
      'STAGE',
      'USER_DATA_FUNCTION_NAME',
      'WEBSOCKET_ENDPOINT',
    ]);
    const router = fn('router').environment.variables;
    expect(router).toMatchObject({
      CHAT_FUNCTION_NAME: 'fable-dev-chat',
      BUILD_KICKOFF_FUNCTION_NAME: 'fable-dev-build-kickoff',
      MEMORY_FUNCTION_NAME: 'fable-dev-memory',
      USER_DATA_FUNCTION_NAME: 'fable-dev-user-data',
      ROUTER_MODEL_ID: config.models.routerModelId,
    });
    expect(router.WEBSOCKET_ENDPOINT).toMatch(/^https:\/\/\$\{aws_apigatewayv2_api\.[\w-]+\.id\}\.execute-api\..+\/dev$/);
    expect(fn('chat').environment.variables).toMatchObject({ CHAT_MODEL_ID: config.models.chatModelId, MEMORY_FUNCTION_NAME: 'fable-dev-memory' });
    expect(fn('chat').environment.variables.AUDIT_TABLE).toMatch(/^\$\{aws_dynamodb_table\.[\w-]*audit[\w-]*\.name\}$/);
    // The spend caps: router and chat count against the quotas table; the router checks the stage's limits.
    for (const name of ['router', 'chat']) {
      expect(fn(name).environment.variables.QUOTAS_TABLE).toMatch(/^\$\{aws_dynamodb_table\.[\w-]*quotas[\w-]*\.name\}$/);
    }
    expect(JSON.parse(router.QUOTA_LIMITS)).toEqual(config.quotas);
    expect(fn('connection-manager').environment.variables.CONNECTION_TTL_SECONDS).toBe(String(config.connectionTtlSeconds));
  });

  it('lets connection-manager only put and delete connections, and append connect events to the audit trail', () => {
    expect(actionsOf('connection-manager')).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:PutItem']);
    const dynamo = statements('connection-manager').filter((s) => String(s.Action).includes('dynamodb'));
    expect(dynamo.map((s) => [[s.Action].flat().sort(), s.Resource])).toEqual([
      [['dynamodb:DeleteItem', 'dynamodb:PutItem'], expect.stringMatching(tableRef('connections'))],
      [['dynamodb:PutItem'], expect.stringMatching(tableRef('audit'))],
    ]);
  });

  it('lets the router read connections, check and count quotas, record refusals, call the router model, invoke chat, build-kickoff, memory and user-data, and post frames', () => {
    expect(actionsOf('router')).toEqual([
      'bedrock:InvokeModel',
      'dynamodb:DeleteItem',
      // connections, and the quotas table (overrides, counters)
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      // the audit trail (append only): refusals
      'dynamodb:PutItem',
      // the quotas table: the message bucket, the classifier's tokens
      'dynamodb:UpdateItem',
      'execute-api:ManageConnections',
      'lambda:InvokeFunction',
      'lambda:InvokeFunction',
      'lambda:InvokeFunction',
      'lambda:InvokeFunction',
    ]);
    const invoked = statements('router')
      .filter((s) => s.Action === 'lambda:InvokeFunction')
      .map((s) => s.Resource);
    expect(invoked).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\{aws_lambda_function\.[\w-]*chat[\w-]*\.arn\}$/),
        'arn:aws:lambda:us-west-2:123456789012:function:fable-dev-build-kickoff',
        'arn:aws:lambda:us-west-2:123456789012:function:fable-dev-memory',
        'arn:aws:lambda:us-west-2:123456789012:function:fable-dev-user-data',
      ]),
    );
    const bedrock = statements('router').find((s) => s.Action === 'bedrock:InvokeModel')!;
    expect(JSON.stringify(bedrock.Resource)).toContain('claude-haiku');
  });

  it('lets chat stream from the chat model, use conversations and tools, record refusals, invoke memory and only fable-<stage>-tool-* functions', () => {
    expect(actionsOf('chat')).toEqual([
      'bedrock:InvokeModelWithResponseStream',
      // connections (a gone connection) and conversations (a request record given back)
      'dynamodb:DeleteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      // conversations, the audit trail (append only), and the quotas table (a request's usage marker)
      'dynamodb:PutItem',
      'dynamodb:PutItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Query',
      // conversations, and the quotas table (token counters)
      'dynamodb:UpdateItem',
      'dynamodb:UpdateItem',
      'execute-api:ManageConnections',
      // tools, the Deny on the deployer, memory
      'lambda:InvokeFunction',
      'lambda:InvokeFunction',
      'lambda:InvokeFunction',
      // Lambda delivering a failed event to chat's dead-letter queue
      'sqs:SendMessage',
    ]);
    const chat = statements('chat');
    const bedrock = chat.find((s) => s.Action === 'bedrock:InvokeModelWithResponseStream')!;
    expect(JSON.stringify(bedrock.Resource)).toContain('claude-sonnet');
    const conversations = chat.find((s) => Array.isArray(s.Action) && s.Action.includes('dynamodb:UpdateItem'))!;
    expect(conversations.Resource).toMatch(tableRef('conversations'));
    // Item actions on the table only; Query on the tools table's GSI1 only.
    const toolsQuery = chat.find((s) => s.Action === 'dynamodb:Query')!;
    expect(toolsQuery.Resource).toMatch(/^\$\{aws_dynamodb_table\.[\w-]*tools[\w-]*\.arn\}\/index\/GSI1$/);
    expect(chat.map((s) => String(s.Resource))).toContainEqual(expect.stringMatching(/:function:fable-dev-tool-\*$/));
    expect(fn('chat').environment.variables.TOOL_FUNCTION_PREFIX).toBe('fable-dev-tool-');
  });

  it('routes $connect and $disconnect to connection-manager and $default to the router', () => {
    const routes = resourcesOf(json, 'aws_apigatewayv2_route').map((r) => r.route_key).sort();
    expect(routes).toEqual(['$connect', '$default', '$disconnect']);
    const integrationTarget = (routeKey: string) => {
      const route = findResource(json, 'aws_apigatewayv2_route', (r) => r.route_key === routeKey);
      const id = /aws_apigatewayv2_integration\.([\w-]+)\.id/.exec(route.target)![1];
      return json.resource.aws_apigatewayv2_integration[id].integration_uri as string;
    };
    expect(integrationTarget('$connect')).toMatch(/connection-manager/);
    expect(integrationTarget('$disconnect')).toMatch(/connection-manager/);
    expect(integrationTarget('$default')).toMatch(/router/);
    const sources = resourcesOf(json, 'aws_lambda_permission')
      .filter((p) => p.statement_id.startsWith('AllowWebSocket-'))
      .map((p) => p.source_arn.replace(/^\$\{[^}]+\}/, ''));
    expect(sources.sort()).toEqual(['/dev/$connect', '/dev/$default', '/dev/$disconnect']);
  });

  it('bounds chat async retries so a late retry never answers a stale message, and keeps what fails for good in fable-<stage>-chat-dlq', () => {
    const [invokeConfig] = resourcesOf(json, 'aws_lambda_function_event_invoke_config');
    expect(invokeConfig).toMatchObject({
      maximum_retry_attempts: FUNCTION_SETTINGS.chat.asyncInvocation.maximumRetryAttempts,
      maximum_event_age_in_seconds: FUNCTION_SETTINGS.chat.asyncInvocation.maximumEventAgeSeconds,
    });
    expect(FUNCTION_SETTINGS.chat.asyncInvocation).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 600 });
    expect(invokeConfig.function_name).toMatch(/^\$\{aws_lambda_function\.[\w-]*chat[\w-]*\.function_name\}$/);
    const queueRef = Object.entries(json.resource.aws_sqs_queue).find(([, q]) => q.name === 'fable-dev-chat-dlq')![0];
    expect(invokeConfig.destination_config).toEqual({ on_failure: { destination: `\${aws_sqs_queue.${queueRef}.arn}` } });
  });

  it('lets chat\'s role send to its dead-letter queue only, granted before the destination is set (Lambda checks it then)', () => {
    const queueRef = Object.entries(json.resource.aws_sqs_queue).find(([, q]) => q.name === 'fable-dev-chat-dlq')![0];
    expect(statements('chat').filter((s) => String(s.Action).startsWith('sqs:'))).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `\${aws_sqs_queue.${queueRef}.arn}` },
    ]);
    const [invokeConfig] = resourcesOf(json, 'aws_lambda_function_event_invoke_config');
    const chatRole = Object.entries(json.resource.aws_iam_role).find(([, r]) => r.name === 'fable-dev-chat')![0];
    const chatPolicy = Object.entries(json.resource.aws_iam_role_policy).find(([, p]) => p.role === `\${aws_iam_role.${chatRole}.id}`)![0];
    expect(invokeConfig.depends_on).toEqual([`aws_iam_role_policy.${chatPolicy}`]);
    for (const name of ['connection-manager', 'router']) expect(actionsOf(name).filter((a) => a.startsWith('sqs:'))).toEqual([]);
  });

  it('gives no other conversation function an async config or a dead-letter queue: only chat is invoked asynchronously', () => {
    expect(resourcesOf(json, 'aws_lambda_function_event_invoke_config')).toHaveLength(1);
    expect(resourcesOf(json, 'aws_sqs_queue').map((q) => q.name)).toEqual(['fable-dev-chat-dlq']);
  });
});
