import { Testing, TerraformStack } from 'cdktf';
import { useAwsProvider } from '../../../src/stacks/aws-provider';
import { API_GATEWAY_LOGGING_ROLE_NAME, ApiGatewayLogging } from '../../../src/api/api-gateway-logging';
import { resourcesOf, synthJson, type StackJson } from '../../helpers/synth';

function synthLogging(region: string): StackJson {
  const stack = new TerraformStack(Testing.app(), 'logging-test');
  useAwsProvider(stack, region, 'bootstrap');
  new ApiGatewayLogging(stack, 'apigateway-logging', { region });
  return synthJson(stack);
}

let json: StackJson;

beforeAll(() => {
  json = synthLogging('us-west-2');
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

  it('gives the role the managed policy API Gateway tests the role with, attached before the account setting', () => {
    expect(resourcesOf(json, 'aws_iam_role_policy')).toEqual([]);
    const attachments = Object.entries(json.resource.aws_iam_role_policy_attachment);
    expect(attachments).toHaveLength(1);
    const [attachmentId, attachment] = attachments[0];
    expect(attachment.policy_arn).toMatch(/^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:iam::aws:policy\/service-role\/AmazonAPIGatewayPushToCloudWatchLogs$/);
    expect(attachment.role).toMatch(/^\$\{aws_iam_role\.[\w-]+\.name\}$/);
    const [account] = resourcesOf(json, 'aws_api_gateway_account');
    expect(account.depends_on).toEqual([`aws_iam_role_policy_attachment.${attachmentId}`]);
  });

  it('carries the region in the role name outside the default region, so a second region does not collide', () => {
    expect(resourcesOf(json, 'aws_iam_role')[0].name).toBe(API_GATEWAY_LOGGING_ROLE_NAME);
    expect(resourcesOf(synthLogging('eu-central-1'), 'aws_iam_role')[0].name).toBe(`${API_GATEWAY_LOGGING_ROLE_NAME}-eu-central-1`);
  });
});
