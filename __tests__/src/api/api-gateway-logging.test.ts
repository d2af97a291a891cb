import { Testing, TerraformStack } from 'cdktf';
import { AwsEnvironment } from '../../../src/platform/aws-environment';
import { useAwsProvider } from '../../../src/stacks/aws-provider';
import { ApiGatewayLogging } from '../../../src/api/api-gateway-logging';
import { resourcesOf, synthJson, type StackJson } from '../../helpers/synth';

let json: StackJson;

beforeAll(() => {
  const stack = new TerraformStack(Testing.app(), 'logging-test');
  useAwsProvider(stack, 'us-west-2', 'bootstrap');
  new ApiGatewayLogging(stack, 'apigateway-logging', { env: new AwsEnvironment(stack, 'env') });
  json = synthJson(stack);
});

describe('ApiGatewayLogging', () => {
  it('sets the account\'s API Gateway CloudWatch role to a role only API Gateway can assume', () => {
    const [role] = resourcesOf(json, 'aws_iam_role');
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const [account] = resourcesOf(json, 'aws_api_gateway_account');
    expect(account.cloudwatch_role_arn).toMatch(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/);
  });

  it('lets the role write only to FABLE\'s API Gateway log groups', () => {
    const [policy] = resourcesOf(json, 'aws_iam_role_policy');
    const [write, describe] = JSON.parse(policy.policy).Statement;
    expect(write.Action).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    expect(write.Resource).toHaveLength(2);
    for (const resource of write.Resource) expect(resource).toMatch(/:log-group:\/aws\/apigateway\/fable-\*(:log-stream:\*)?$/);
    expect(describe).toEqual({ Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' });
  });
});
