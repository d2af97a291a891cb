import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { checkCredentials } from '../../../scripts/doctor/credentials';
import { exitCode, formatResult } from '../../../scripts/doctor/report';
import { ACCOUNT, CALLER_ARN } from '../../helpers/doctor-harness';

const sts = mockClient(STSClient);
const stage = { region: 'us-west-2', regionSource: 'stage default' } as const;

describe('aws credentials check (STS GetCallerIdentity)', () => {
  beforeEach(() => sts.reset());

  test('prints the account, ARN and region the credentials resolve to', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: CALLER_ARN, UserId: 'AROAEXAMPLE:dev@example.com' });
    const { result, identity } = await checkCredentials(new STSClient({ region: 'us-west-2' }), stage);
    expect(formatResult(result)).toBe(
      `PASS  aws credentials (us-west-2): account ${ACCOUNT}, ${CALLER_ARN}, region us-west-2 (stage default)\n`,
    );
    expect(identity).toEqual({ account: ACCOUNT, arn: CALLER_ARN, partition: 'aws' });
    expect(sts.commandCalls(GetCallerIdentityCommand).map((call) => call.args[0].input)).toEqual([{}]);
    expect(exitCode([result])).toBe(0);
  });

  test('reads the partition from the ARN (GovCloud)', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws-us-gov:iam::${ACCOUNT}:user/deployer` });
    const { identity } = await checkCredentials(new STSClient({ region: 'us-gov-west-1' }), {
      region: 'us-gov-west-1',
      regionSource: 'FABLE_REGION',
    });
    expect(identity?.partition).toBe('aws-us-gov');
  });

  test('fails without credentials, with how to sign in', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const { result, identity } = await checkCredentials(new STSClient({ region: 'us-west-2' }), stage);
    expect(identity).toBeUndefined();
    expect(formatResult(result)).toBe(
      [
        'FAIL  aws credentials (us-west-2): no usable AWS credentials: CredentialsProviderError: Could not load credentials from any providers',
        '      fix: sign in to the target account: `aws sso login --profile <profile>` and `export AWS_PROFILE=<profile>`, or export AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)',
        '           `aws sts get-caller-identity` must then print the account you deploy to',
        '',
      ].join('\n'),
    );
    expect(exitCode([result])).toBe(1);
  });

  test('fails on expired credentials', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' }));
    const { result } = await checkCredentials(new STSClient({ region: 'us-west-2' }), stage);
    expect(result.status).toBe('FAIL');
    expect(result.detail).toBe('no usable AWS credentials: ExpiredToken: The security token included in the request is expired');
  });
});
