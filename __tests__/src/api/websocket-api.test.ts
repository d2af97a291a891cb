import { TerraformOutput } from 'cdktf';
import { NodeLambda } from '../../../src/compute/node-lambda';
import { ArtifactsBucket } from '../../../src/data/artifacts-bucket';
import { FableTables } from '../../../src/data/tables';
import { ACCESS_LOG_FORMAT, WebSocketApi } from '../../../src/api/websocket-api';
import { UserPool } from '../../../src/identity/user-pool';
import { findResource, resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

let json: StackJson;
const { stack, stage } = testStage();
const { config } = stage;

beforeAll(() => {
  const api = new WebSocketApi(stack, 'websocket');
  new FableTables(stack, 'tables');
  const fn = new NodeLambda(stack, 'connections', { name: 'connection-manager', description: 'test' });
  new UserPool(stack, 'users');
  const door = new NodeLambda(stack, 'door', { name: 'ws-authorizer', description: 'test' });
  api.authorizeConnect(door);
  api.addLambdaRoute('$connect', fn);
  api.addLambdaRoute('$disconnect', fn);
  // A Lambda that binds to the API (WEBSOCKET_ENDPOINT) to push frames (it also reads tool bundles).
  new ArtifactsBucket(stack, 'artifacts');
  new NodeLambda(stack, 'notifier', { name: 'update-build-status', description: 'test' });
  new TerraformOutput(stack, 'management', { value: api.managementEndpoint });
  new TerraformOutput(stack, 'url', { value: api.url });
  json = synthJson(stack);
});

const apiRef = (attribute: string) => expect.stringMatching(new RegExp(`^\\$\\{aws_apigatewayv2_api\\.[\\w-]+\\.${attribute}\\}`));

describe('WebSocketApi', () => {
  it('is a WEBSOCKET API named fable-<stage>-websocket whose selection expression sends every frame to $default', () => {
    const [resource] = resourcesOf(json, 'aws_apigatewayv2_api');
    expect(resource).toMatchObject({
      name: 'fable-dev-websocket',
      protocol_type: 'WEBSOCKET',
      route_selection_expression: '$request.body.action',
    });
  });

  it('deploys an auto-deploy stage named after the stage, throttled from the stage config', () => {
    const [stage] = resourcesOf(json, 'aws_apigatewayv2_stage');
    expect(stage).toMatchObject({
      name: 'dev',
      auto_deploy: true,
      default_route_settings: {
        throttling_burst_limit: config.websocket.throttlingBurstLimit,
        throttling_rate_limit: config.websocket.throttlingRateLimit,
      },
    });
  });

  it('logs no header or query string (where a token travels at $connect), and turns full request logging off', () => {
    const [stage] = resourcesOf(json, 'aws_apigatewayv2_stage');
    const variables = [...stage.access_log_settings.format.matchAll(/\$context\.[\w.]+/g)].map(([variable]) => variable);
    expect(variables.length).toBeGreaterThan(5);
    expect(variables.filter((variable) => /header|querystring|request\.|token|identity\.(?!sourceIp$)/i.test(variable))).toEqual([]);
    expect(stage.default_route_settings.data_trace_enabled).toBe(false);
  });

  it('writes JSON access logs to its own log group with the stage retention', () => {
    const group = findResource(json, 'aws_cloudwatch_log_group', (g) => g.name === '/aws/apigateway/fable-dev-websocket');
    expect(group.retention_in_days).toBe(config.logRetentionDays);
    const [stage] = resourcesOf(json, 'aws_apigatewayv2_stage');
    expect(stage.access_log_settings.destination_arn).toMatch(/^\$\{aws_cloudwatch_log_group\.[\w-]+\.arn\}$/);
    const format = JSON.parse(stage.access_log_settings.format);
    expect(format).toEqual(JSON.parse(ACCESS_LOG_FORMAT));
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
  });

  it('routes a key to a Lambda proxy integration with a permission scoped to that route and stage', () => {
    const integration = findResource(json, 'aws_apigatewayv2_integration', (i) => i.description.startsWith('$connect'));
    expect(integration).toMatchObject({ integration_type: 'AWS_PROXY', integration_method: 'POST' });
    expect(integration.integration_uri).toMatch(/^\$\{aws_lambda_function\.[\w-]+\.invoke_arn\}$/);
    const route = findResource(json, 'aws_apigatewayv2_route', (r) => r.route_key === '$connect');
    expect(route.target).toMatch(/^integrations\/\$\{aws_apigatewayv2_integration\.[\w-]+\.id\}$/);
    const permission = findResource(json, 'aws_lambda_permission', (p) => p.statement_id === 'AllowWebSocket-connect');
    expect(permission).toMatchObject({ action: 'lambda:InvokeFunction', principal: 'apigateway.amazonaws.com' });
    expect(permission.source_arn).toEqual(apiRef('execution_arn'));
    expect(permission.source_arn).toMatch(/\}\/dev\/\$connect$/);
  });

  it('authorizes $connect only, with a REQUEST authorizer that needs no identity source and may invoke only its function', () => {
    const [authorizer] = resourcesOf(json, 'aws_apigatewayv2_authorizer');
    expect(authorizer).toMatchObject({ authorizer_type: 'REQUEST', name: 'fable-dev-ws-authorizer' });
    expect(authorizer.identity_sources).toBeUndefined();
    expect(authorizer.authorizer_uri).toMatch(/^\$\{aws_lambda_function\.door[\w-]*\.invoke_arn\}$/);
    const connect = findResource(json, 'aws_apigatewayv2_route', (r) => r.route_key === '$connect');
    expect(connect).toMatchObject({ authorization_type: 'CUSTOM', authorizer_id: expect.stringMatching(/^\$\{aws_apigatewayv2_authorizer\.[\w-]+\.id\}$/) });
    const disconnect = findResource(json, 'aws_apigatewayv2_route', (r) => r.route_key === '$disconnect');
    expect(disconnect.authorization_type).toBe('NONE');
    expect(disconnect.authorizer_id).toBeUndefined();
    const permission = findResource(json, 'aws_lambda_permission', (p) => p.statement_id === 'AllowWebSocketConnectAuthorizer');
    expect(permission.function_name).toMatch(/^\$\{aws_lambda_function\.door[\w-]*\.function_name\}$/);
    expect(permission.source_arn).toMatch(/^\$\{aws_apigatewayv2_api\.[\w-]+\.execution_arn\}\/authorizers\/\$\{aws_apigatewayv2_authorizer\.[\w-]+\.id\}$/);
  });

  it('refuses a $connect route without its authorizer, and a second authorizer', () => {
    const other = testStage();
    const api = new WebSocketApi(other.stack, 'websocket');
    const fn = new NodeLambda(other.stack, 'connections', { name: 'connection-manager', description: 'test' });
    expect(() => api.addLambdaRoute('$connect', fn)).toThrow('The $connect route needs its authorizer: call authorizeConnect first.');
    api.authorizeConnect(fn);
    expect(() => api.authorizeConnect(fn)).toThrow('The $connect route already has an authorizer.');
  });

  it('gives a Lambda bound to it the management endpoint and ManageConnections on POST @connections of its stage only', () => {
    const notifier = findResource(json, 'aws_lambda_function', (f) => f.function_name === 'fable-dev-update-build-status');
    expect(notifier.environment.variables.WEBSOCKET_ENDPOINT).toBe(json.output!.management.value);
    const policy = findResource(json, 'aws_iam_role_policy', (p) => p.policy.includes('execute-api'));
    const statement = JSON.parse(policy.policy).Statement.find((s: any) => s.Action === 'execute-api:ManageConnections');
    expect(statement.Resource).toEqual(apiRef('execution_arn'));
    expect(statement.Resource).toMatch(/\}\/dev\/POST\/@connections\/\*$/);
  });

  it('exposes the https management endpoint and the wss stage URL from tokens', () => {
    expect(json.output!.management.value).toMatch(
      /^https:\/\/\$\{aws_apigatewayv2_api\.[\w-]+\.id\}\.execute-api\.\$\{data\.aws_region\.[\w-]+\.region\}\.\$\{data\.aws_partition\.[\w-]+\.dns_suffix\}\/dev$/,
    );
    expect(json.output!.url.value).toMatch(/^\$\{aws_apigatewayv2_stage\.[\w-]+\.invoke_url\}$/);
  });
});
