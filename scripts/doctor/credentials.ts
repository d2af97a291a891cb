import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { awsErrorText, fail, pass, type CheckResult } from './result';
import type { StageSettings } from './settings';

/** Who the credentials are: later checks compare owners and role ARNs with it. */
export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
  readonly partition: string;
}

const FIX = [
  'sign in to the target account: `aws sso login --profile <profile>` and `export AWS_PROFILE=<profile>`, or export AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)',
  '`aws sts get-caller-identity` must then print the account you deploy to',
];

export async function checkCredentials(
  sts: STSClient,
  stage: Pick<StageSettings, 'region' | 'regionSource'>,
): Promise<{ result: CheckResult; identity?: CallerIdentity }> {
  const name = `aws credentials (${stage.region})`;
  try {
    const { Account: account, Arn: arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!account || !arn) return { result: fail(name, 'GetCallerIdentity answered without an account or ARN', FIX) };
    return {
      result: pass(name, `account ${account}, ${arn}, region ${stage.region} (${stage.regionSource})`),
      identity: { account, arn, partition: arn.split(':')[1] },
    };
  } catch (error) {
    return { result: fail(name, `no usable AWS credentials: ${awsErrorText(error)}`, FIX) };
  }
}
