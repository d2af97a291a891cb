import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { API_GATEWAY_LOGGING_ROLE_NAME } from '../../../src/api/api-gateway-logging';
import { checkApiGatewayAccount } from '../../../scripts/doctor/api-gateway';
import { exitCode, formatResult } from '../../../scripts/doctor/report';
import { ACCOUNT, IDENTITY } from '../../helpers/doctor-harness';

const apiGateway = mockClient(APIGatewayClient);
const FABLE_ROLE = `arn:aws:iam::${ACCOUNT}:role/${API_GATEWAY_LOGGING_ROLE_NAME}`;
const check = (identity: typeof IDENTITY | undefined) =>
  checkApiGatewayAccount(new APIGatewayClient({ region: 'us-west-2' }), identity, 'us-west-2', API_GATEWAY_LOGGING_ROLE_NAME);

describe('api gateway logging role check (API Gateway GetAccount)', () => {
  beforeEach(() => apiGateway.reset());

  test('passes an account with no CloudWatch role yet', async () => {
    apiGateway.on(GetAccountCommand).resolves({ throttleSettings: { burstLimit: 5000, rateLimit: 10000 } });
    const result = await check(IDENTITY);
    expect(formatResult(result)).toBe(
      `PASS  api gateway logging role (us-west-2): not set: fable-bootstrap will set it to ${FABLE_ROLE}\n`,
    );
    expect(apiGateway.commandCalls(GetAccountCommand).map((call) => call.args[0].input)).toEqual([{}]);
    expect(exitCode([result])).toBe(0);
  });

  test("passes FABLE's own role", async () => {
    apiGateway.on(GetAccountCommand).resolves({ cloudwatchRoleArn: FABLE_ROLE });
    expect((await check(IDENTITY)).detail).toBe(`already FABLE's ${FABLE_ROLE}`);
  });

  test("warns (exit code 0) before replacing another team's account-wide role", async () => {
    const theirs = `arn:aws:iam::${ACCOUNT}:role/platform/apigw-cloudwatch-logs`;
    apiGateway.on(GetAccountCommand).resolves({ cloudwatchRoleArn: theirs });
    const result = await check(IDENTITY);
    expect(formatResult(result)).toBe(
      [
        `WARN  api gateway logging role (us-west-2): set to ${theirs}: deploying fable-bootstrap replaces it with ${FABLE_ROLE}, for every API Gateway API in this account and region`,
        `      fix: ask the owner of ${theirs} before deploying fable-bootstrap: their APIs will then log through FABLE's role`,
        '           destroying fable-bootstrap later does not restore the previous role',
        '',
      ].join('\n'),
    );
    expect(exitCode([result])).toBe(0);
  });

  test('fails when the setting cannot be read', async () => {
    apiGateway
      .on(GetAccountCommand)
      .rejects(Object.assign(new Error('User is not authorized to access this resource'), { name: 'AccessDeniedException' }));
    const result = await check(IDENTITY);
    expect(result.status).toBe('FAIL');
    expect(result.detail).toBe('GetAccount failed: AccessDeniedException: User is not authorized to access this resource');
    expect(exitCode([result])).toBe(1);
  });

  test('skips without credentials', async () => {
    expect((await check(undefined)).status).toBe('SKIP');
    expect(apiGateway.calls()).toHaveLength(0);
  });
});
