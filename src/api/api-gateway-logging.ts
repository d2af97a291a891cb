import { Construct } from 'constructs';
import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { policyDocument } from '../iam/policy-document';
import type { AwsEnvironment } from '../platform/aws-environment';

export const API_GATEWAY_LOGGING_ROLE_NAME = 'fable-apigateway-cloudwatch';

/**
 * API Gateway writes WebSocket access logs only once the account's API Gateway settings name a
 * CloudWatch role ("CloudWatch Logs role ARN must be set in account settings" otherwise). That
 * setting is one per account and region, shared by every stage, so it belongs in the bootstrap
 * stack, not in `fable-<stage>`. The role may only write to FABLE's `/aws/apigateway/fable-*` groups.
 */
export class ApiGatewayLogging extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: { readonly env: AwsEnvironment }) {
    super(scope, id);
    const groups = props.env.arn({ service: 'logs', resource: 'log-group:/aws/apigateway/fable-*' });
    this.role = new IamRole(this, 'role', {
      name: API_GATEWAY_LOGGING_ROLE_NAME,
      description: 'Lets API Gateway write the access logs of FABLE APIs',
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    new IamRolePolicy(this, 'policy', {
      name: 'fable-access-logs',
      role: this.role.id,
      policy: policyDocument([
        {
          actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
          resources: [groups, `${groups}:log-stream:*`],
        },
        { actions: ['logs:DescribeLogGroups'], resources: ['*'] },
      ]),
    });
    new ApiGatewayAccount(this, 'account', { cloudwatchRoleArn: this.role.arn });
  }
}
