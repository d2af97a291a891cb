import { Construct } from 'constructs';
import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { iamName } from '../config';
import { AwsEnvironment } from '../platform/aws-environment';

/** The role's base name; outside the default region it carries the region (`iamName`). */
export const API_GATEWAY_LOGGING_ROLE_NAME = 'fable-apigateway-cloudwatch';
/** AWS's managed policy for this role: what API Gateway checks when the account setting is made. */
export const API_GATEWAY_LOGGING_POLICY = 'service-role/AmazonAPIGatewayPushToCloudWatchLogs';

/**
 * API Gateway writes WebSocket access logs only once the account's API Gateway settings name a
 * CloudWatch role ("CloudWatch Logs role ARN must be set in account settings" otherwise). That
 * setting is one per account and region, shared by every API there (FABLE's and anyone else's),
 * so it belongs in the bootstrap stack. UpdateAccount tests the role by writing to API Gateway's
 * own log groups, so the role gets the documented managed policy, attached before the setting.
 */
export class ApiGatewayLogging extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: { readonly region: string }) {
    super(scope, id);
    const env = AwsEnvironment.of(this);
    this.role = new IamRole(this, 'role', {
      name: iamName(API_GATEWAY_LOGGING_ROLE_NAME, props.region),
      description: 'Lets API Gateway write the access and execution logs of APIs in this account and region',
      // The documented trust for this role: API Gateway does not send source conditions here.
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    const policy = new IamRolePolicyAttachment(this, 'policy', {
      role: this.role.name,
      policyArn: `arn:${env.partition}:iam::aws:policy/${API_GATEWAY_LOGGING_POLICY}`,
    });
    new ApiGatewayAccount(this, 'account', { cloudwatchRoleArn: this.role.arn, dependsOn: [policy] });
  }
}
