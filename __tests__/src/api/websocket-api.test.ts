import { Testing, TerraformOutput, TerraformStack } from 'cdktf';
import { stageConfig } from '../../../src/config';
import { AwsEnvironment } from '../../../src/platform/aws-environment';
import { useAwsProvider } from '../../../src/stacks/aws-provider';
import { FableRole } from '../../../src/iam/fable-role';
import { NodeLambda } from '../../../src/compute/node-lambda';
import { ACCESS_LOG_FORMAT, WebSocketApi } from '../../../src/api/websocket-api';
import { findResource, resourcesOf, synthJson, type StackJson } from '../../helpers/synth';
import { stubBundles } from '../conversation/stub-bundles';

const config = stageConfig('dev');
let json: StackJson;

beforeAll(() => {
  const bundles = stubBundles(['connection-manager']);
  const stack = new TerraformStack(Testing.app(), 'websocket-test');
  useAwsProvider(stack, config.region, config.stage);
  const env = new AwsEnvironment(stack, 'env');
  const api = new WebSocketApi(stack, 'websocket', { config, env });
  const fn = new NodeLambda(stack, 'connections', {
    config,
    env,
    name: 'connection-manager',
    description: 'test',
    bundles,
    environment: { CONNECTIONS_TABLE: 't', CONNECTION_TTL_SECONDS: '60' },
  });
  api.addLambdaRoute('$connect', fn);
  const poster = new FableRole(stack, 'poster', {
    name: 'poster',
    description: 'test',
    service: 'lambda.amazonaws.com',
    accountId: env.accountId,
  });
  api.grantManageConnections(poster);
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

  it('grants ManageConnections on POST @connections of its stage only', () => {
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
