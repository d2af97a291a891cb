import { TerraformOutput } from 'cdktf';
import { NodeLambda } from '../../../src/compute/node-lambda';
import { FableTables } from '../../../src/data/tables';
import { ACCESS_LOG_FORMAT, WebSocketApi } from '../../../src/api/websocket-api';
import { findResource, resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { testStage } from '../../helpers/stage';

let json: StackJson;
const { stack, stage } = testStage();
const { config } = stage;

beforeAll(() => {
  const api = new WebSocketApi(stack, 'websocket');
  new FableTables(stack, 'tables');
  const fn = new NodeLambda(stack, 'connections', { name: 'connection-manager', description: 'test' });
  api.addLambdaRoute('$connect', fn);
  // A Lambda that binds to the API (WEBSOCKET_ENDPOINT) to push frames.
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
    const [integration] = resourcesOf(json, 'aws_apigatewayv2_integration');
    expect(integration).toMatchObject({ integration_type: 'AWS_PROXY', integration_method: 'POST' });
    expect(integration.integration_uri).toMatch(/^\$\{aws_lambda_function\.[\w-]+\.invoke_arn\}$/);
    const [route] = resourcesOf(json, 'aws_apigatewayv2_route');
    expect(route.route_key).toBe('$connect');
    expect(route.target).toMatch(/^integrations\/\$\{aws_apigatewayv2_integration\.[\w-]+\.id\}$/);
    const [permission] = resourcesOf(json, 'aws_lambda_permission');
    expect(permission).toMatchObject({ action: 'lambda:InvokeFunction', principal: 'apigateway.amazonaws.com' });
    expect(permission.source_arn).toEqual(apiRef('execution_arn'));
    expect(permission.source_arn).toMatch(/\}\/dev\/\$connect$/);
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
