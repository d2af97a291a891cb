import { GetAccountCommand, type APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CallerIdentity } from './credentials';
import { awsErrorText, fail, pass, skip, warn, type CheckResult } from './result';

/**
 * API Gateway's CloudWatch Logs role is one setting per account and region, shared by every API
 * there; fable-bootstrap sets it to FABLE's role. Replacing a role someone else set is a decision
 * for a person, so this warns rather than fails.
 */
export async function checkApiGatewayAccount(
  apiGateway: APIGatewayClient,
  identity: CallerIdentity | undefined,
  region: string,
  fableRoleName: string,
): Promise<CheckResult> {
  const name = `api gateway logging role (${region})`;
  if (!identity) return skip(name, 'not checked: needs AWS credentials');
  const fableRoleArn = `arn:${identity.partition}:iam::${identity.account}:role/${fableRoleName}`;
  try {
    const { cloudwatchRoleArn } = await apiGateway.send(new GetAccountCommand({}));
    if (!cloudwatchRoleArn) return pass(name, `not set: fable-bootstrap will set it to ${fableRoleArn}`);
    if (cloudwatchRoleArn === fableRoleArn) return pass(name, `already FABLE's ${fableRoleArn}`);
    return warn(
      name,
      `set to ${cloudwatchRoleArn}: deploying fable-bootstrap replaces it with ${fableRoleArn}, for every API Gateway API in this account and region`,
      [
        `ask the owner of ${cloudwatchRoleArn} before deploying fable-bootstrap: their APIs will then log through FABLE's role`,
        'destroying fable-bootstrap later does not restore the previous role',
      ],
    );
  } catch (error) {
    return fail(name, `GetAccount failed: ${awsErrorText(error)}`, [
      'run the doctor with credentials that allow apigateway:GET on the account (arn:aws:apigateway:<region>::/account)',
    ]);
  }
}
